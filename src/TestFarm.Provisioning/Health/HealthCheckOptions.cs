using TestFarm.Core.Provisioning;

namespace TestFarm.Provisioning.Health;

/// <summary>How the scheduled health checks run (<see cref="HealthCheckRegistration.AddFarmHealthChecks"/>).</summary>
public sealed record HealthCheckOptions
{
    /// <summary>Time between two rounds over the machines. Default 10 min; at least 100 ms.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(10);
    /// <summary>Consecutive failed rounds that quarantine a machine (N). Default 3; at least 1.</summary>
    public int QuarantineAfter { get; init; } = 3;
    /// <summary>Consecutive passed rounds that re-admit a quarantined machine (M). Default 3; at least 1.</summary>
    public int ReadmitAfter { get; init; } = 3;
    /// <summary>Timeout of each single BMC call. Default 30 s.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Deadline of each power state change in the power-cycle check. Default 3 min.</summary>
    public TimeSpan PowerDeadline { get; init; } = TimeSpan.FromMinutes(3);
    /// <summary>Image to network-boot as the boot check of Suspect and Quarantined machines (null: no boot check).</summary>
    public BootImage? BootProbe { get; init; }

    public HealthPolicy Policy => new() { QuarantineAfter = QuarantineAfter, ReadmitAfter = ReadmitAfter };

    /// <summary>Every wrong setting, each naming the key and the value; empty when the options are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Interval < TimeSpan.FromMilliseconds(100)) errors.Add($"Interval must be at least 100ms, was {Interval.TotalMilliseconds}ms");
        if (QuarantineAfter < 1) errors.Add($"QuarantineAfter must be at least 1, was {QuarantineAfter}");
        if (ReadmitAfter < 1) errors.Add($"ReadmitAfter must be at least 1, was {ReadmitAfter}");
        if (CallTimeout <= TimeSpan.Zero) errors.Add($"CallTimeout must be positive, was {CallTimeout}");
        if (PowerDeadline <= TimeSpan.Zero) errors.Add($"PowerDeadline must be positive, was {PowerDeadline}");
        return errors;
    }
}
