using TestFarm.Core.Hardware;

namespace TestFarm.Lab.Cluster;

/// <summary>A machine that appears as a node of the simulated cluster.</summary>
public sealed record SimulatedNode
{
    public required string Name { get; init; }
    public string Profile { get; init; } = "simulated";
    public string Arch { get; init; } = "amd64";
    public IReadOnlyList<string> Roles { get; init; } = ["worker"];
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public bool PoweredOn { get; init; } = true;
    public int CpuCores { get; init; } = 8;
    public int MemoryGiB { get; init; } = 32;
    public string? Address { get; init; }

    /// <summary>Device names of the drives Rook may use as OSDs (the profile's <c>rook-osd</c> drives).</summary>
    public IReadOnlyList<string> OsdDevices { get; init; } = [];

    /// <summary>A node shaped by a hardware profile: arch, CPU, memory, rook-osd drives named as Linux would.</summary>
    public static SimulatedNode FromProfile(string name, HardwareProfile profile, IReadOnlyList<string>? roles = null, bool poweredOn = true)
    {
        return new SimulatedNode
        {
            Name = name,
            Profile = profile.Name,
            Arch = profile.Arch == CpuArchitecture.Arm64 ? "arm64" : "amd64",
            Roles = roles ?? ["worker"],
            Labels = profile.Labels,
            PoweredOn = poweredOn,
            CpuCores = profile.Cpu.Cores * profile.Cpu.Sockets,
            MemoryGiB = profile.MemoryGiB,
            OsdDevices = DeviceNames.RookOsd(profile),
        };
    }
}

/// <summary>Where the simulated cluster's nodes come from: the lab's machines, or a fixed list.</summary>
public interface INodeSource
{
    IReadOnlyList<SimulatedNode> GetNodes();
}

/// <summary>A node list a test or the CLI changes by hand: power a node off, pull a drive.</summary>
public sealed class StaticNodeSource : INodeSource
{
    private readonly Lock _gate = new();
    private readonly List<SimulatedNode> _nodes;

    public StaticNodeSource(IEnumerable<SimulatedNode> nodes) => _nodes = [.. nodes];

    /// <summary>N plain nodes named node-1..node-N; the first is the control plane.</summary>
    public static StaticNodeSource Generic(int count, int osdDrivesPerNode = 2) => new(Enumerable.Range(1, count).Select(i => new SimulatedNode
    {
        Name = $"node-{i}",
        Roles = i == 1 ? ["control-plane", "worker"] : ["worker"],
        OsdDevices = Enumerable.Range(0, osdDrivesPerNode).Select(d => $"nvme{d + 1}n1").ToList(),
    }));

    public IReadOnlyList<SimulatedNode> GetNodes() { lock (_gate) { return [.. _nodes]; } }

    public void SetPower(string name, bool on) => Update(name, n => n with { PoweredOn = on });

    public void RemoveDevice(string name, string device) =>
        Update(name, n => n with { OsdDevices = n.OsdDevices.Where(d => d != device).ToList() });

    private void Update(string name, Func<SimulatedNode, SimulatedNode> change)
    {
        lock (_gate)
        {
            var i = _nodes.FindIndex(n => n.Name == name);
            if (i < 0) throw new KeyNotFoundException($"no simulated node named {name}");
            _nodes[i] = change(_nodes[i]);
        }
    }
}

/// <summary>Nodes read on each reconcile from a function, e.g. the lab's machines of one lease and their power state.</summary>
public sealed class DelegateNodeSource : INodeSource
{
    private readonly Func<IReadOnlyList<SimulatedNode>> _read;

    public DelegateNodeSource(Func<IReadOnlyList<SimulatedNode>> read) => _read = read;

    public IReadOnlyList<SimulatedNode> GetNodes() => _read();
}
