using TestFarm.Core.Leases;
using TestFarm.Core.Scheduling;

namespace TestFarm.Orchestration.Reservations;

/// <summary>
/// Teaches the scheduler's <see cref="HistoryDurationEstimator"/> from the store: before a decision, the hold times of
/// the newest finished cells of each plan × profile in the queue or running (<see cref="IRunStore.CellDurationsAsync"/>,
/// every farm instance's cells) replace what the estimator knew, at most once per <paramref name="refresh"/> per key.
/// </summary>
public sealed class StoreDurationHistory(IRunStore runs, HistoryDurationEstimator estimator, TimeProvider time, TimeSpan refresh)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Plan, string Profile), DateTimeOffset> _loadedAt = [];

    /// <summary>Loads the history of every plan × profile of <paramref name="requests"/> not loaded within the refresh interval.</summary>
    public async Task RefreshAsync(IEnumerable<ReservationRequest> requests, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var now = time.GetUtcNow();
        List<(string Plan, string Profile)> due;
        lock (_gate)
        {
            due = requests.Select(r => (r.Plan, r.Profile ?? "")).Distinct()
                .Where(k => !_loadedAt.TryGetValue(k, out var at) || now - at >= refresh).ToList();
            foreach (var key in due) _loadedAt[key] = now;
        }
        foreach (var (plan, profile) in due)
        {
            try
            {
                estimator.Replace(plan, profile, await runs.CellDurationsAsync(plan, profile, HistoryDurationEstimator.Window, ct).ConfigureAwait(false));
            }
            catch
            {
                lock (_gate) { _loadedAt.Remove((plan, profile)); } // try again next round
                throw;
            }
        }
    }
}
