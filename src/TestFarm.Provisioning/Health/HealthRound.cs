using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TestFarm.Core.Bmc;
using TestFarm.Core.Machines;
using TestFarm.Core.Provisioning;

namespace TestFarm.Provisioning.Health;

/// <summary>What one round did to one machine.</summary>
public sealed record HealthRoundResult(string MachineId, MachineState Before, MachineState After, MachineHealth Health, IReadOnlyList<HealthCheckResult> Checks);

/// <summary>
/// One health round over the pool. Machines nobody holds are checked: Available ones without
/// disturbing them (BMC reachable, inventory; a reservation may come at any moment), Suspect and
/// Quarantined ones fully (also power cycle and, when configured, a network boot). The graded result
/// moves the machine in the store, audited with the check that decided: a failure makes an Available
/// machine Suspect, N consecutive failures quarantine it blaming the component, a pass sends a Suspect
/// machine to Cleaning, M passes send a Quarantined one to Cleaning. Held, Cleaning and Retired machines are left alone.
/// With <paramref name="history"/> every verdict is kept there, and a round starts from the newest kept one of each
/// machine (a restarted farm, or another instance of a cluster, counts on from the last round).
/// </summary>
public sealed class HealthRound(
    IMachineStore store, IHealthTargets targets, IBmcClientFactory bmcs, HealthChecker checker, HealthLedger ledger,
    HealthCheckOptions options, ILogger<HealthRound>? logger = null, IHealthHistory? history = null, TimeProvider? time = null)
{
    private readonly ILogger _log = logger ?? NullLogger<HealthRound>.Instance;
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<IReadOnlyList<HealthRoundResult>> RunAsync(CancellationToken cancellationToken = default)
    {
        if (history is not null)
            foreach (var (id, kept) in await history.LatestHealthAsync(cancellationToken).ConfigureAwait(false)) ledger.Set(id, kept.Health);
        var states = (await store.ListMachinesAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(m => m.Id, m => m.State, StringComparer.Ordinal);
        var results = new List<HealthRoundResult>();
        foreach (var target in await targets.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!states.TryGetValue(target.Machine.Id, out var state)) continue;
            if (state is not (MachineState.Available or MachineState.Suspect or MachineState.Quarantined)) continue;
            results.Add(await CheckOneAsync(target, state, cancellationToken).ConfigureAwait(false));
        }
        ledger.Completed(results);
        return results;
    }

    private async Task<HealthRoundResult> CheckOneAsync(HealthTarget target, MachineState state, CancellationToken cancellationToken)
    {
        var id = target.Machine.Id;
        var policy = options.Policy;
        var before = ledger.Reconcile(id, state, policy);
        var full = state != MachineState.Available;
        IReadOnlyList<HealthCheckResult> checks;
        await using (var bmc = bmcs.Create(target.Machine))
        {
            checks = await checker.CheckAsync(bmc, new HealthCheckRequest
            {
                Machine = target.Machine, Profile = target.Profile, PowerCycle = full, BootProbe = full ? options.BootProbe : null,
                CallTimeout = options.CallTimeout, PowerDeadline = options.PowerDeadline,
            }, cancellationToken).ConfigureAwait(false);
        }
        var after = before.RecordRound(checks, policy);
        var to = Target(state, before, after);
        var moved = state;
        if (to is { } next)
        {
            try
            {
                moved = (await store.TransitionAsync(id, state, next, Reason(after, checks), cancellationToken).ConfigureAwait(false)).State;
                Log.HealthMoved(_log, id, state, moved, after.Grade);
            }
            catch (IllegalTransitionException e)
            {
                // Reserved or moved by someone else meanwhile: this round's verdict no longer applies.
                Log.HealthMoveSkipped(_log, id, e.Message);
                return new HealthRoundResult(id, state, state, before, checks);
            }
        }
        var kept = moved == MachineState.Cleaning ? MachineHealth.Healthy : after;
        ledger.Set(id, kept);
        if (history is not null)
            await history.RecordHealthAsync(new HealthRecord { MachineId = id, At = _time.GetUtcNow(), Health = kept, Checks = checks }, cancellationToken).ConfigureAwait(false);
        foreach (var c in checks) Log.HealthChecked(_log, id, after.Grade, c.Check, c.Passed);
        return new HealthRoundResult(id, state, moved, after, checks);
    }

    private static MachineState? Target(MachineState state, MachineHealth before, MachineHealth after) => (state, after.Grade) switch
    {
        (MachineState.Available, HealthGrade.Suspect) => MachineState.Suspect,
        (MachineState.Available or MachineState.Suspect, HealthGrade.Quarantined) => MachineState.Quarantined,
        (MachineState.Suspect, HealthGrade.Healthy) => MachineState.Cleaning,
        (MachineState.Quarantined, HealthGrade.Healthy) when before.Grade == HealthGrade.Quarantined => MachineState.Cleaning,
        _ => null,
    };

    private static string Reason(MachineHealth health, IReadOnlyList<HealthCheckResult> checks) => health.Grade switch
    {
        HealthGrade.Healthy => $"health: {health.ConsecutivePasses} passing round(s) ({string.Join(", ", checks.Select(c => c.Check))})",
        HealthGrade.Quarantined => $"health: {health.ConsecutiveFailures} consecutive failed rounds, blamed {health.Blamed?.ToString() ?? "unknown"}: {health.LastFailure}",
        _ => $"health: failed, blamed {health.Blamed?.ToString() ?? "unknown"}: {health.LastFailure}",
    };
}
