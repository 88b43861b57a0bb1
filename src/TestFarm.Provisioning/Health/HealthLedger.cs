using TestFarm.Core.Machines;
using TestFarm.Core.Provisioning;

namespace TestFarm.Provisioning.Health;

/// <summary>
/// The graded health of each machine between rounds (in memory). When the store says otherwise (an
/// operator repaired a machine, the pipeline made one Suspect, the process restarted), the store wins.
/// </summary>
public sealed class HealthLedger
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, MachineHealth> _health = new(StringComparer.Ordinal);
    private int _rounds;

    /// <summary>Raised after every completed round with its results.</summary>
    public event Action<IReadOnlyList<HealthRoundResult>>? RoundCompleted;

    public int Rounds { get { lock (_gate) { return _rounds; } } }

    public MachineHealth Of(string machineId)
    {
        lock (_gate) { return _health.GetValueOrDefault(machineId, MachineHealth.Healthy); }
    }

    /// <summary>The machine's health as kept, made consistent with its <paramref name="state"/> in the store.</summary>
    internal MachineHealth Reconcile(string machineId, MachineState state, HealthPolicy policy)
    {
        lock (_gate)
        {
            var kept = _health.GetValueOrDefault(machineId, MachineHealth.Healthy);
            var expected = state switch
            {
                MachineState.Suspect => HealthGrade.Suspect,
                MachineState.Quarantined => HealthGrade.Quarantined,
                _ => HealthGrade.Healthy,
            };
            if (kept.Grade == expected) return kept;
            var fresh = expected switch
            {
                HealthGrade.Suspect => new MachineHealth { Grade = HealthGrade.Suspect, ConsecutiveFailures = 1 },
                HealthGrade.Quarantined => new MachineHealth { Grade = HealthGrade.Quarantined, ConsecutiveFailures = policy.QuarantineAfter },
                _ => MachineHealth.Healthy,
            };
            _health[machineId] = fresh;
            return fresh;
        }
    }

    internal void Set(string machineId, MachineHealth health)
    {
        lock (_gate) { _health[machineId] = health; }
    }

    internal void Completed(IReadOnlyList<HealthRoundResult> results)
    {
        lock (_gate) { _rounds++; }
        RoundCompleted?.Invoke(results);
    }
}
