using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TestFarm.Core.Hardware;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Core.Results;

namespace TestFarm.Orchestration.Reservations;

/// <summary>
/// Ends or requeues the cell of every reaped lease, per <see cref="ReapedLeaseOptions"/> (by plan):
/// infra-error marks the request Done and records the cell as <see cref="Verdict.InfraError"/> with a failed phase
/// "lease expired in phase X" (unless the cell already has a result); requeue puts the request back in the queue.
/// Either way an audit event (kind <c>cell</c>, subject the request id) says why. The phase is the last one the
/// pipeline recorded in the audit log (kind <c>phase</c>), else the state the lease's machines were reaped in.
/// A cell that is a pending work item of the run engine is never recorded here: its job is retried or records it.
/// </summary>
public sealed class ReapedLeaseCellHandler(
    IRequestQueue queue, IEventLog events, IRunStore runs, IReadOnlyDictionary<string, HardwareProfile> profiles,
    ReapedLeaseOptions options, TimeProvider time, ILogger<ReapedLeaseCellHandler>? log = null) : IReapedLeaseHandler
{
    private readonly ILogger _log = (ILogger?)log ?? NullLogger.Instance;

    public async Task OnReapedAsync(IReadOnlyList<Lease> reaped, CancellationToken ct)
    {
        if (reaped.Count == 0) return;
        foreach (var lease in reaped)
        {
            var request = await queue.GetAsync(lease.RequestId, ct).ConfigureAwait(false);
            var history = await events.ReadAsync(lease.RequestId, ct: ct).ConfigureAwait(false);
            var phase = ReapedLeasePolicy.PhaseOf(history.Select(Adapters.CellPhaseEvent.PhaseOf).LastOrDefault(p => p is not null), await StatesAtReapAsync(lease, ct).ConfigureAwait(false));
            var requeued = history.Count(e => e.Kind == ReapedLeasePolicy.EventKind && e.To == nameof(RequestState.Queued));
            var decision = ReapedLeasePolicy.Decide(lease, request?.Request.Plan, phase, requeued, options);
            await ApplyAsync(decision, request, lease, ct).ConfigureAwait(false);
            ReservationLog.ReapedCell(_log, lease.RequestId, decision.Action.ToString(), decision.Reason);
        }
    }

    private async Task<IReadOnlyList<MachineState>> StatesAtReapAsync(Lease lease, CancellationToken ct)
    {
        var states = new List<MachineState>();
        foreach (var machine in lease.Machines)
        {
            var reap = (await events.ReadAsync(machine, ct: ct).ConfigureAwait(false))
                .LastOrDefault(e => e.Kind == "machine" && e.LeaseId == lease.Id && e.To == nameof(MachineState.Cleaning));
            if (reap?.From is { } from && Enum.TryParse<MachineState>(from, out var s)) states.Add(s);
        }
        return states;
    }

    private async Task ApplyAsync(ReapedCellDecision d, QueuedRequest? request, Lease lease, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var to = d.Action == ReapedLeaseAction.Requeue ? nameof(RequestState.Queued) : nameof(Verdict.InfraError);
        if (request is not null)
        {
            if (d.Action == ReapedLeaseAction.Requeue) await queue.SetStateAsync(d.RequestId, RequestState.Queued, d.Reason, ct: ct).ConfigureAwait(false);
            else await queue.SetStateAsync(d.RequestId, RequestState.Done, d.Reason, lease.Id, ct).ConfigureAwait(false);
        }
        await events.AppendAsync(new AuditEvent
        {
            At = now, Kind = ReapedLeasePolicy.EventKind, Subject = d.RequestId, From = request?.State.ToString(), To = to, Reason = d.Reason, LeaseId = lease.Id,
        }, ct).ConfigureAwait(false);
        if (d.Action != ReapedLeaseAction.InfraError || d.RunId is null || d.CellId is null || request is null) return;
        // A cell of the run engine records its own result: its job is recovered and retried from reserve when its
        // instance died (up to the plan's retries), or goes on to a result when the instance lives.
        if (await runs.IsCellPendingAsync(d.RunId, d.CellId.Split('#')[0], ct).ConfigureAwait(false)) return;
        var run = await runs.GetRunAsync(d.RunId, ct).ConfigureAwait(false);
        if (run is null || run.Cells.Any(c => c.CellId == d.CellId)) return;
        var r = request.Request;
        await runs.RecordCellAsync(d.RunId, new CellResult
        {
            CellId = d.CellId, Plan = r.Plan, Profile = r.Profile ?? "(any)", Topology = r.Topology.Name,
            Arch = r.Profile is { } p && profiles.TryGetValue(p, out var hp) ? hp.Arch.ToString().ToLowerInvariant() : "unknown",
            Verdict = Verdict.InfraError, Machines = lease.Machines,
            Phases = [new PhaseTiming { Phase = d.Phase, Start = lease.GrantedAt, Duration = (lease.EndedAt ?? now) - lease.GrantedAt, Succeeded = false, Error = d.Reason }],
        }, ct).ConfigureAwait(false);
    }
}
