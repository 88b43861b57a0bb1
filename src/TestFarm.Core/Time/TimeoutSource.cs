namespace TestFarm.Core.Time;

/// <summary>
/// A token that is cancelled when <paramref name="outer"/> is, or when <paramref name="timeout"/> has passed on
/// <paramref name="time"/>'s clock: the build bans <c>CancelAfter(TimeSpan)</c>, which always reads the wall clock.
/// <see cref="TimedOut"/> tells a timeout from the caller's own cancel.
/// </summary>
public sealed class TimeoutSource : IDisposable
{
    private readonly CancellationTokenSource _timer;
    private readonly CancellationTokenSource _linked;

    public TimeoutSource(TimeProvider time, TimeSpan timeout, CancellationToken outer = default)
    {
        ArgumentNullException.ThrowIfNull(time);
        _timer = new CancellationTokenSource(timeout, time);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(outer, _timer.Token);
    }

    public CancellationToken Token => _linked.Token;

    /// <summary>True once the timeout has passed (whether or not the outer token was cancelled too).</summary>
    public bool TimedOut => _timer.IsCancellationRequested;

    public void Dispose()
    {
        _linked.Dispose();
        _timer.Dispose();
    }
}
