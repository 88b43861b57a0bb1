using TestFarm.Core.Hardware;

namespace TestFarm.Lab.Backend;

/// <summary>What the lab backend is built from (<c>lab nightly</c>, <c>serve --lab</c>).</summary>
public sealed record LabMachinesOptions
{
    /// <summary>The checkout holding .tools/ (the lab kernels and the arm64 boot chain).</summary>
    public required string Root { get; init; }
    /// <summary>Where the images, the QEMU consoles and the cells' artifacts go.</summary>
    public required string OutDirectory { get; init; }
    public string BuildId { get; init; } = "lab-nightly";
    /// <summary>The lab's machines: simulated ones and the QEMU ones standing in for the lab-qemu-* profiles.</summary>
    public required LabMachineChoice Machines { get; init; }
    /// <summary>Where the add-ons' release manifests are read from: the verified cache, or an explicitly configured folder.</summary>
    public required Kubernetes.Addons.Catalogue.AddonSources Addons { get; init; }
}

/// <summary>The setup of the lab failed (no kernel, no arm64 boot chain, a profile missing): what is wrong and what to do.</summary>
public sealed class LabSetupException(string message) : Exception(message);
