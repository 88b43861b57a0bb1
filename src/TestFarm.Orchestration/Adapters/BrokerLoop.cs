using System.Threading.Channels;

namespace TestFarm.Orchestration.Adapters;

/// <summary>
/// The reservation broker's loop: runs <c>work</c> once per wake, one at a time, where a wake is a <see cref="Kick"/>
/// (kicks while work runs fold into one more run) or <c>interval</c> passing on the <see cref="TimeProvider"/>.
/// Started once; <see cref="StopAsync"/> cancels the work in flight and waits for the loop to end. <c>work</c>
/// handles its own failures: one that escapes ends the loop.
/// </summary>
internal sealed class BrokerLoop(Func<CancellationToken, Task> work, TimeSpan interval, TimeProvider time) : IDisposable
{
    private readonly Channel<bool> _kicks = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private Task? _running;
    private bool _stopped;

    public bool Started { get { lock (_gate) { return _running is not null; } } }

    public void Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopped, this);
            _running ??= Task.Run(() => RunAsync(_stop.Token));
        }
    }

    /// <summary>Asks for a run of the work as soon as the one in flight (if any) ends.</summary>
    public void Kick() => _kicks.Writer.TryWrite(true);

    private async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            await WaitAsync(stop).ConfigureAwait(false);
            if (stop.IsCancellationRequested) return;
            await work(stop).ConfigureAwait(false);
        }
    }

    private async Task WaitAsync(CancellationToken stop)
    {
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var tick = Task.Delay(interval, time, wake.Token);
        var kick = _kicks.Reader.WaitToReadAsync(wake.Token).AsTask();
        await Task.WhenAny(tick, kick).ConfigureAwait(false);
        await wake.CancelAsync().ConfigureAwait(false);
        _kicks.Reader.TryRead(out _);
    }

    public async Task StopAsync()
    {
        Task? running;
        lock (_gate)
        {
            if (!_stopped) _stop.Cancel();
            _stopped = true;
            running = _running;
        }
        if (running is null) return;
        try { await running.ConfigureAwait(false); }
        catch (OperationCanceledException) { }
    }

    public void Dispose()
    {
        // Bounded: the work in flight sees the cancellation at its next store call.
        try { StopAsync().Wait(TimeSpan.FromSeconds(10)); }
        catch (AggregateException) { }
        lock (_gate) { if (_running is null || _running.IsCompleted) _stop.Dispose(); }
    }
}
