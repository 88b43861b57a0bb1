using TestFarm.Core.Hardware;
using TestFarm.Lab.Cluster;
using YamlDotNet.RepresentationModel;

namespace TestFarm.Cli.Commands.Lab;

/// <summary>A hardware profile named for <c>lab cluster --profiles</c> could not be read.</summary>
public sealed class LabClusterProfileException : Exception
{
    public LabClusterProfileException(string message) : base(message) { }
    public LabClusterProfileException(string message, Exception inner) : base(message, inner) { }
    public LabClusterProfileException() { }
}

/// <summary>Nodes for <c>lab cluster</c>: generic ones, or shaped by hardware-profiles/&lt;name&gt;.yaml (arch, CPU, memory, rook-osd drives).</summary>
public static class LabClusterProfiles
{
    public static IReadOnlyList<SimulatedNode> Nodes(int count, string? profileList)
    {
        var names = (profileList ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length == 0) return StaticNodeSource.Generic(count).GetNodes();
        var profiles = names.Select(Load).ToList();
        return Enumerable.Range(0, count).Select(i => SimulatedNode.FromProfile($"node-{i + 1}", profiles[i % profiles.Count],
            i == 0 ? ["control-plane", "worker"] : ["worker"])).ToList();
    }

    private static HardwareProfile Load(string name)
    {
        var path = Path.Combine("hardware-profiles", name + ".yaml");
        if (!File.Exists(path)) throw new LabClusterProfileException($"{Path.GetFullPath(path)}: hardware profile '{name}' not found");
        var yaml = new YamlStream();
        try { yaml.Load(new StringReader(File.ReadAllText(path))); }
        catch (YamlDotNet.Core.YamlException e) { throw new LabClusterProfileException($"{path}:{e.Start.Line}:{e.Start.Column}: {e.Message}", e); }
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        string? S(YamlMappingNode? m, string k) => m is not null && m.Children.TryGetValue(new YamlScalarNode(k), out var v) ? (v as YamlScalarNode)?.Value : null;
        YamlNode? N(YamlMappingNode? m, string k) => m is not null && m.Children.TryGetValue(new YamlScalarNode(k), out var v) ? v : null;
        int I(string? s, int d) => int.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out var x) ? x : d;
        var cpu = N(root, "cpu") as YamlMappingNode;
        var storage = (N(root, "storage") as YamlSequenceNode)?.Children.OfType<YamlMappingNode>().Select(s => new StorageSpec
        {
            Kind = S(s, "kind") switch { "nvme" => StorageKind.Nvme, "hdd" => StorageKind.Hdd, _ => StorageKind.Ssd },
            SizeGB = I(S(s, "sizeGB"), 0),
            Count = I(S(s, "count"), 1),
            Role = S(s, "role") switch { "os" => StorageRole.Os, "rook-osd" => StorageRole.RookOsd, _ => StorageRole.Scratch },
        }).ToList() ?? [];
        return new HardwareProfile
        {
            Name = S(root, "name") ?? name,
            Arch = S(root, "arch") == "arm64" ? CpuArchitecture.Arm64 : CpuArchitecture.Amd64,
            Cpu = new CpuSpec { Vendor = S(cpu, "vendor") ?? "?", Model = S(cpu, "model") ?? "?", Sockets = I(S(cpu, "sockets"), 1), Cores = I(S(cpu, "cores"), 1) },
            MemoryGiB = I(S(root, "memoryGiB"), 1),
            Storage = storage,
        };
    }
}
