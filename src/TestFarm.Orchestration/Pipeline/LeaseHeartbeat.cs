using Microsoft.Extensions.Logging;

namespace TestFarm.Orchestration.Pipeline;

/// <summary>
/// Beats a lease on a timer for as long as the cell holds machines, and on demand from long phases
/// (reimage and cleaning call <see cref="BeatAsync"/> between their steps).
/// </summary>
internal sealed class LeaseHeartbeat : IAsyncDisposable
{
    private readonly ICellReservations _reservations;
    private readonly CellLease _lease;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private readonly SemaphoreSlim _one = new(1, 1);

    public LeaseHeartbeat(ICellReservations reservations, CellLease lease, TimeSpan interval, TimeProvider time, ILogger logger)
    {
        _reservations = reservations;
        _lease = lease;
        _logger = logger;
        _timer = time.CreateTimer(_ => _ = BeatQuietlyAsync(), null, interval, interval);
    }

    public async Task BeatAsync(CancellationToken cancellationToken)
    {
        if (!await _one.WaitAsync(0, cancellationToken)) return; // a beat is already under way
        try { await _reservations.HeartbeatAsync(_lease, cancellationToken); }
        finally { _one.Release(); }
    }

    private async Task BeatQuietlyAsync()
    {
        try { await BeatAsync(CancellationToken.None); }
        catch (Exception ex) { Log.HeartbeatFailed(_logger, _lease.LeaseId, ex.Message); }
    }

    public async ValueTask DisposeAsync()
    {
        await _timer.DisposeAsync();
        await _one.WaitAsync();
        _one.Dispose();
    }
}
