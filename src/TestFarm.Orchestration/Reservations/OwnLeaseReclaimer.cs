using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TestFarm.Core.HandsOn;
using TestFarm.Core.Leases;

namespace TestFarm.Orchestration.Reservations;

/// <summary>
/// When an instance starts under the name of one that died (same <c>--instance</c>), the active leases held by that name
/// and granted before this start belong to a process that is gone: no cell of this process runs on them. Rather than
/// wait for their expiry, they are ended at once the way the reaper ends them (lease Reaped, machines to Cleaning, the
/// <see cref="IReapedLeaseHandler"/>s told, so the cell is retried or recorded per the plan). Hands-on leases are kept:
/// they belong to a person (a reservation's request, or a failed cell held for its author), and this instance's
/// hands-on service takes them up again. Other holders' leases are never touched. Runs once, when the host starts. The
/// machines are noted in <see cref="ReclaimedMachines"/>: this instance's cleaner need not give them a grace.
/// </summary>
public sealed class OwnLeaseReclaimer : IHostedService
{
    private readonly string _holder;
    private readonly ILeaseStore _leases;
    private readonly IHandsOnStore? _handsOn;
    private readonly IEnumerable<IReapedLeaseHandler> _handlers;
    private readonly ILogger _log;

    private readonly ReclaimedMachines? _reclaimed;

    public OwnLeaseReclaimer(string holder, ILeaseStore leases, IHandsOnStore? handsOn, IEnumerable<IReapedLeaseHandler> handlers, TimeProvider time,
        ILogger<OwnLeaseReclaimer>? log = null, ReclaimedMachines? reclaimed = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(holder);
        ArgumentNullException.ThrowIfNull(time);
        (_holder, _leases, _handsOn, _handlers, _log, _reclaimed) = (holder, leases, handsOn, handlers, (ILogger?)log ?? NullLogger.Instance, reclaimed);
        StartedAt = time.GetUtcNow();
    }

    /// <summary>When this process started: leases granted to its name before then are its predecessor's.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>Ends the predecessor's cell leases and tells the handlers; returns the leases ended.</summary>
    public async Task<IReadOnlyList<Lease>> ReclaimAsync(CancellationToken ct)
    {
        var mine = (await _leases.ListLeasesAsync(activeOnly: true, ct).ConfigureAwait(false))
            .Where(l => string.Equals(l.Holder, _holder, StringComparison.Ordinal) && l.GrantedAt < StartedAt).ToList();
        if (mine.Count == 0) return [];
        var held = _handsOn is null ? new HashSet<string>(StringComparer.Ordinal)
            : (await _handsOn.ListHandsOnAsync(openOnly: true, ct: ct).ConfigureAwait(false)).Select(r => r.LeaseId).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var reason = $"reclaimed before its expiry: holder {_holder} started again at {StartedAt:O}; the process that held the lease is gone";
        var reclaimed = new List<Lease>();
        var kept = 0;
        foreach (var lease in mine)
        {
            if (HandsOnReservation.IsHandsOnRequest(lease.RequestId) || held.Contains(lease.Id))
            {
                kept++;
                continue;
            }
            if (await _leases.ReclaimAsync(lease.Id, _holder, StartedAt, reason, ct).ConfigureAwait(false) is not { } ended) continue;
            reclaimed.Add(ended);
            _reclaimed?.Add(ended.Machines);
        }
        ReservationLog.Reclaimed(_log, _holder, reclaimed.Count, string.Join(", ", reclaimed.Select(l => $"{l.Id} ({l.RequestId})")), kept);
        foreach (var handler in _handlers)
            await handler.OnReapedAsync(reclaimed, ct).ConfigureAwait(false);
        return reclaimed;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ReclaimAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Storage.Database.StoreException or InvalidOperationException or TimeoutException)
        {
            // The store is away: the reaper ends these leases after their expiry, as it would have without this.
            ReservationLog.ReclaimFailed(_log, _holder, e.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// Machines this instance took from its dead predecessor's leases: nothing of the farm works on them, so the cleaner
/// cleans them without waiting for its grace. Thread-safe; the cleaner removes each one it has cleaned.
/// </summary>
public sealed class ReclaimedMachines
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _ids = new(StringComparer.Ordinal);

    public void Add(IEnumerable<string> machineIds)
    {
        ArgumentNullException.ThrowIfNull(machineIds);
        foreach (var id in machineIds) _ids.TryAdd(id, 0);
    }

    public bool Contains(string machineId) => _ids.ContainsKey(machineId);

    public void Remove(string machineId) => _ids.TryRemove(machineId, out _);
}
