using TestFarm.Core.Bmc;
using TestFarm.Core.Cluster;
using TestFarm.Core.Hardware;
using TestFarm.Core.Pool;
using TestFarm.Scenarios.Chaos;
using TestFarm.Scenarios.Conformance;
using TestFarm.Scenarios.Probes;

namespace TestFarm.Scenarios.Engine;

/// <summary>One machine of the cell: the pool entry, its Kubernetes node name, its topology role and its BMC.</summary>
public sealed record CellMachine
{
    public required PoolMachine Machine { get; init; }
    /// <summary>The node name the machine registered under in the cell's cluster.</summary>
    public required string NodeName { get; init; }
    /// <summary>Topology role, e.g. <c>control-plane</c> or <c>worker</c>.</summary>
    public required string Role { get; init; }
    public required IBmcClient Bmc { get; init; }
}

/// <summary>
/// Everything a suite may touch in one cell: its cluster, its machines and nothing else. Chaos refuses any
/// target outside <see cref="Machines"/> and <see cref="ClusterName"/>.
/// </summary>
public sealed record CellContext
{
    /// <summary><c>plan/profile/topology</c>.</summary>
    public required string CellId { get; init; }
    /// <summary>The cell's own cluster; the only one a suite may act on.</summary>
    public required IClusterApi Cluster { get; init; }
    /// <summary>Name of the cell's cluster (e.g. its kubeconfig context); a step naming another cluster is refused.</summary>
    public string ClusterName { get; init; } = "cell";
    public IReadOnlyList<CellMachine> Machines { get; init; } = [];
    /// <summary>The cell's hardware profile: node facts are checked against it.</summary>
    public HardwareProfile? Profile { get; init; }
    /// <summary>Kubernetes version from the plan, e.g. <c>v1.32.1</c>.</summary>
    public string? KubernetesVersion { get; init; }
    public TimeProvider Time { get; init; } = TimeProvider.System;
    /// <summary>Where steps write what they keep (results tarballs, action logs).</summary>
    public required string ArtifactsDirectory { get; init; }
    public INodeAgent? NodeAgent { get; init; }
    public ILabFaults? LabFaults { get; init; }
    public ISonobuoyRunner? Sonobuoy { get; init; }
    /// <summary>The cluster's kubeconfig file, for tools that run beside the farm's own client (Sonobuoy).</summary>
    public string? KubeconfigPath { get; init; }
    public IProbeTransport? Transport { get; init; }
    /// <summary>Seed for random choices (victim pods); fixed for reproducible runs.</summary>
    public int RandomSeed { get; init; } = 1;

    public CellMachine? FindMachine(string idOrNode) =>
        Machines.FirstOrDefault(m => m.Machine.Id == idOrNode || m.NodeName == idOrNode);
}
