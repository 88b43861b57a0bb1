namespace TestFarm.Core.Provisioning;

/// <summary>Graded health of one machine.</summary>
public enum HealthGrade
{
    Healthy,
    /// <summary>One failure: not handed out until a check passes.</summary>
    Suspect,
    /// <summary>N consecutive failures: needs an operator repair or M consecutive passes.</summary>
    Quarantined,
}

/// <summary>The part a failure points at.</summary>
public enum HealthComponent { Bmc, Power, Nic, Boot, Disk, Inventory, Agent }

public sealed record HealthPolicy
{
    /// <summary>Consecutive failures that quarantine a machine (N).</summary>
    public int QuarantineAfter { get; init; } = 3;
    /// <summary>Consecutive passes that re-admit a quarantined machine without an operator (M).</summary>
    public int ReadmitAfter { get; init; } = 3;
}

/// <summary>One health check's result.</summary>
public sealed record HealthCheckResult(string Check, bool Passed, HealthComponent? Blamed = null, string? Detail = null);

/// <summary>
/// The graded health state machine: one failure → Suspect; N consecutive → Quarantined blaming the
/// last failure's component; a pass re-admits a Suspect machine; a Quarantined one needs
/// <see cref="Repair"/> or M consecutive passes. Immutable: each step returns the next state.
/// </summary>
public sealed record MachineHealth
{
    public HealthGrade Grade { get; init; } = HealthGrade.Healthy;
    public int ConsecutiveFailures { get; init; }
    public int ConsecutivePasses { get; init; }
    public HealthComponent? Blamed { get; init; }
    public string? LastFailure { get; init; }

    public static MachineHealth Healthy { get; } = new();

    /// <summary>May the farm hand this machine out?</summary>
    public bool Admissible => Grade == HealthGrade.Healthy;

    public MachineHealth Record(HealthCheckResult result, HealthPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(policy);
        if (!result.Passed)
        {
            var failures = ConsecutiveFailures + 1;
            var grade = Grade == HealthGrade.Quarantined || failures >= policy.QuarantineAfter
                ? HealthGrade.Quarantined
                : HealthGrade.Suspect;
            return this with
            {
                Grade = grade,
                ConsecutiveFailures = failures,
                ConsecutivePasses = 0,
                Blamed = result.Blamed ?? Blamed,
                LastFailure = result.Detail is null ? result.Check : $"{result.Check}: {result.Detail}",
            };
        }

        var passes = ConsecutivePasses + 1;
        return Grade switch
        {
            HealthGrade.Quarantined when passes < policy.ReadmitAfter => this with { ConsecutivePasses = passes, ConsecutiveFailures = 0 },
            _ => new MachineHealth { ConsecutivePasses = passes },
        };
    }

    /// <summary>Several results of one round: each failure counts once per round, the round passes only if all pass.</summary>
    public MachineHealth RecordRound(IReadOnlyList<HealthCheckResult> results, HealthPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(results);
        var failed = results.FirstOrDefault(r => !r.Passed);
        return Record(failed ?? new HealthCheckResult("round", true), policy);
    }

    /// <summary>An operator repaired the machine (<c>testfarm machine repair ID</c>). Only from Quarantined.</summary>
    public MachineHealth Repair()
    {
        if (Grade != HealthGrade.Quarantined)
            throw new InvalidOperationException($"repair applies to a Quarantined machine, this one is {Grade}");
        return new MachineHealth();
    }
}
