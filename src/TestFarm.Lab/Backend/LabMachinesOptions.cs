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
    /// <summary>Folder with the add-ons' release manifests; the bring-up default when null.</summary>
    public string? ManifestsRoot { get; init; }
    /// <summary>Recorded Sonobuoy results the lab's conformance step imports (no sonobuoy binary runs in the lab).</summary>
    public string? SonobuoyResults { get; init; }
}

/// <summary>The setup of the lab failed (no kernel, no arm64 boot chain, a profile missing): what is wrong and what to do.</summary>
public sealed class LabSetupException(string message) : Exception(message);
