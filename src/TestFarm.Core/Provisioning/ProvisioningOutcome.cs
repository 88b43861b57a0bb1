using TestFarm.Core.Bmc;
using TestFarm.Core.Hardware;
using TestFarm.Core.Results;

namespace TestFarm.Core.Provisioning;

/// <summary>How a reimage or a cleaning ended.</summary>
public enum ProvisioningStatus
{
    /// <summary>Booted the requested build on the declared hardware (or cleaned).</summary>
    Succeeded,
    /// <summary>Skipped: the machine already runs the image and its last lease was trusted and clean.</summary>
    FastTracked,
    /// <summary>Booted, but the hardware or the build differs: the machine is Suspect, the cell infra-error.</summary>
    Suspect,
    /// <summary>A phase failed or missed its deadline: infra-error blaming <see cref="ProvisioningOutcome.FailedPhase"/>.</summary>
    Failed,
}

/// <summary>The typed result of a reimage or cleaning; the caller changes machine and lease state from it.</summary>
public sealed record ProvisioningOutcome
{
    public required string MachineId { get; init; }
    public required ProvisioningStatus Status { get; init; }
    public ProvisioningPhase? FailedPhase { get; init; }
    public string? Error { get; init; }
    /// <summary>Which part the failure points at, for health grading.</summary>
    public HealthComponent? Blamed { get; init; }
    public BootMethod? Method { get; init; }
    public string? ImageDigest { get; init; }
    public string? ReportedBuildId { get; init; }
    public ObservedHardware? Observed { get; init; }
    public IReadOnlyList<DriftItem> Drift { get; init; } = [];
    public IReadOnlyList<PhaseTiming> Phases { get; init; } = [];
    /// <summary>Which way the machine was booted (null for a cleaning, or a failure before any boot).</summary>
    public BootPath? Path { get; init; }
    /// <summary>A cleaning left the machine powered in its agent, ready to be fast-tracked.</summary>
    public bool AgentResident { get; init; }

    public bool Ok => Status is ProvisioningStatus.Succeeded or ProvisioningStatus.FastTracked;

    /// <summary>The cell verdict this outcome implies if not ok: always infra-error, never a product failure.</summary>
    public Verdict? CellVerdict => Ok ? null : Verdict.InfraError;

    /// <summary>The phase name for <see cref="TestResult.Phase"/>.</summary>
    public string? PhaseName => FailedPhase?.Name();
}
