namespace TestFarm.Cli.Commands.Nightly;

/// <summary>What <c>testfarm lab nightly</c> was asked for.</summary>
public sealed record LabNightlyOptions
{
    /// <summary>The checkout holding hardware-profiles/, scenarios/ and .tools/.</summary>
    public required string Root { get; init; }
    public string Plan { get; init; } = "nightly";
    /// <summary>The farm's data folder (store, lab, reports in <c>runs/&lt;run-id&gt;/</c>); <c>./out/</c> when null.</summary>
    public string? Out { get; init; }
    /// <summary>Spare machines per profile on top of what one cell needs.</summary>
    public int SparesPerProfile { get; init; } = 1;
    public string BuildId { get; init; } = "lab-nightly";
    public int MaxParallelCells { get; init; } = 4;
    /// <summary>
    /// Lab machines that are real QEMU processes network-booting the image (profile lab-qemu-amd64); they
    /// stand in for that many of the profile's simulated machines. Null: 1 when QEMU is installed, else 0.
    /// </summary>
    public int? QemuMachines { get; init; }
    /// <summary>
    /// arm64 lab machines that are real QEMU processes (profile lab-qemu-arm64, UEFI PXE through GRUB); they stand in
    /// for that many of the profile's simulated machines. Null: 1 when the arm64 boot chain is installed, else 0.
    /// </summary>
    public int? QemuArm64Machines { get; init; }
    /// <summary>Where the REST API listens while the run goes (<c>--serve</c>); null: a free loopback port, not announced.</summary>
    public Uri? Listen { get; init; }
    /// <summary>Simulated machines in the pool; null: what the plan's cells need plus spares.</summary>
    public int? Machines { get; init; }
}
