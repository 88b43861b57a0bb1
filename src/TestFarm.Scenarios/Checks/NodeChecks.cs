using System.Globalization;
using TestFarm.Core.Cluster;
using TestFarm.Core.Hardware;
using TestFarm.Scenarios.Engine;
using static TestFarm.Scenarios.Checks.CheckContext;

namespace TestFarm.Scenarios.Checks;

/// <summary>Checks on nodes: count and roles, conditions, and facts against the cell's hardware profile.</summary>
internal static class NodeChecks
{
    private static async Task<IReadOnlyList<System.Text.Json.Nodes.JsonObject>> Nodes(CheckContext c) =>
        await c.Cluster.ListAsync(ResourceKind.Node, cancellationToken: c.CancellationToken).ConfigureAwait(false);

    private static HardwareProfile Profile(CheckContext c) =>
        c.Cell.Profile ?? throw new CheckSkippedException("the cell has no hardware profile");

    public static IEnumerable<ApiCheck> All()
    {
        yield return new() { Name = "nodes: count equals the cell's machines", Tags = ["smoke", "nodes"], Run = async c =>
        {
            var nodes = await Nodes(c).ConfigureAwait(false);
            if (c.Cell.Machines.Count == 0) throw new CheckSkippedException("the cell lists no machines");
            Require(nodes.Count == c.Cell.Machines.Count, $"{nodes.Count} nodes, the cell has {c.Cell.Machines.Count} machines");
        } };
        yield return new() { Name = "nodes: every cell machine registered as a node", Tags = ["smoke", "nodes"], Run = async c =>
        {
            var names = (await Nodes(c).ConfigureAwait(false)).Select(n => n.Name()).ToHashSet();
            var missing = c.Cell.Machines.Where(m => !names.Contains(m.NodeName)).Select(m => m.NodeName).ToList();
            Require(missing.Count == 0, $"no node for: {string.Join(", ", missing)}");
        } };
        yield return new() { Name = "nodes: all Ready", Tags = ["smoke", "nodes"], Run = async c =>
        {
            var bad = (await Nodes(c).ConfigureAwait(false)).Where(n => !n.NodeReady()).Select(n => n.Name()).ToList();
            Require(bad.Count == 0, $"not Ready: {string.Join(", ", bad)}");
        } };
        foreach (var (condition, tag) in new[] { ("MemoryPressure", "smoke"), ("DiskPressure", "smoke"), ("PIDPressure", "nodes"), ("NetworkUnavailable", "smoke") })
        {
            yield return new() { Name = $"nodes: no {condition}", Tags = [tag, "nodes"], Run = async c =>
            {
                var bad = (await Nodes(c).ConfigureAwait(false)).Where(n => n.Condition(condition) == "True").Select(n => n.Name()).ToList();
                Require(bad.Count == 0, $"{condition} on: {string.Join(", ", bad)}");
            } };
        }
        yield return new() { Name = "nodes: a control-plane node exists", Tags = ["smoke", "nodes"], Run = async c =>
            Require((await Nodes(c).ConfigureAwait(false)).Any(n => n.Labels().ContainsKey("node-role.kubernetes.io/control-plane")
                || n.Labels().ContainsKey("node-role.kubernetes.io/master")), "no node labelled node-role.kubernetes.io/control-plane") };
        yield return new() { Name = "nodes: roles match the topology", Tags = ["nodes"], Run = async c =>
        {
            var nodes = (await Nodes(c).ConfigureAwait(false)).ToDictionary(n => n.Name());
            foreach (var m in c.Cell.Machines.Where(m => m.Role == "control-plane"))
                Require(nodes.TryGetValue(m.NodeName, out var n) && n.Labels().ContainsKey("node-role.kubernetes.io/control-plane"),
                    $"{m.NodeName} should be a control-plane node");
        } };
        yield return new() { Name = "nodes: workers are schedulable", Tags = ["smoke", "nodes"], Run = async c =>
        {
            var bad = (await Nodes(c).ConfigureAwait(false))
                .Where(n => !n.Labels().ContainsKey("node-role.kubernetes.io/control-plane") && n.Str("spec", "unschedulable") == "true")
                .Select(n => n.Name()).ToList();
            Require(bad.Count == 0, $"cordoned workers: {string.Join(", ", bad)}");
        } };
        yield return new() { Name = "nodes: operating system is linux", Tags = ["nodes"], Run = async c =>
        {
            var bad = (await Nodes(c).ConfigureAwait(false)).Where(n => (n.Str("status", "nodeInfo", "operatingSystem") ?? n.Labels().GetValueOrDefault("kubernetes.io/os")) != "linux").Select(n => n.Name()).ToList();
            Require(bad.Count == 0, $"not linux: {string.Join(", ", bad)}");
        } };
        yield return new() { Name = "nodes: every node has an InternalIP", Tags = ["nodes", "network"], Run = async c =>
        {
            var bad = (await Nodes(c).ConfigureAwait(false)).Where(n => !n.Items("status", "addresses").Any(a => a.Str("type") == "InternalIP")).Select(n => n.Name()).ToList();
            Require(bad.Count == 0, $"no InternalIP: {string.Join(", ", bad)}");
        } };
        yield return new() { Name = "nodes: kubelet version matches the plan", Tags = ["smoke", "nodes"], Run = async c =>
        {
            var want = c.Cell.KubernetesVersion ?? throw new CheckSkippedException("the plan names no Kubernetes version");
            var bad = (await Nodes(c).ConfigureAwait(false)).Where(n => !(n.Str("status", "nodeInfo", "kubeletVersion") ?? "").StartsWith(want.StartsWith('v') ? want : "v" + want, StringComparison.Ordinal))
                .Select(n => $"{n.Name()}={n.Str("status", "nodeInfo", "kubeletVersion")}").ToList();
            Require(bad.Count == 0, $"expected {want}: {string.Join(", ", bad)}");
        } };
        yield return new() { Name = "nodes: architecture matches the profile", Tags = ["smoke", "nodes", "hardware", "arch-specific"], Run = async c =>
        {
            var want = Profile(c).Arch == CpuArchitecture.Arm64 ? "arm64" : "amd64";
            var bad = (await Nodes(c).ConfigureAwait(false)).Where(n => (n.Str("status", "nodeInfo", "architecture") ?? n.Labels().GetValueOrDefault("kubernetes.io/arch")) != want).Select(n => n.Name()).ToList();
            Require(bad.Count == 0, $"expected {want}: {string.Join(", ", bad)}");
        } };
        yield return new() { Name = "nodes: CPU count matches the profile", Tags = ["nodes", "hardware"], Run = async c =>
        {
            var p = Profile(c);
            var cores = p.Cpu.Cores * p.Cpu.Sockets;
            foreach (var n in await Nodes(c).ConfigureAwait(false))
            {
                var cpus = n.Long("status", "capacity", "cpu") ?? 0;
                Require(cpus >= cores, $"{n.Name()}: capacity.cpu {cpus}, profile has {cores} cores");
            }
        } };
        yield return new() { Name = "nodes: memory matches the profile", Tags = ["nodes", "hardware"], Run = async c =>
        {
            var p = Profile(c);
            foreach (var n in await Nodes(c).ConfigureAwait(false))
            {
                var gib = ParseQuantity(n.Str("status", "capacity", "memory")) / (1024.0 * 1024 * 1024);
                Require(gib >= p.MemoryGiB * 0.9 && gib <= p.MemoryGiB * 1.05, $"{n.Name()}: {gib:0.0} GiB, profile {p.MemoryGiB} GiB (±10%)");
            }
        } };
        yield return new() { Name = "nodes: profile labels are on the nodes", Tags = ["nodes", "hardware"], Run = async c =>
        {
            var p = Profile(c);
            if (p.Labels.Count == 0) throw new CheckSkippedException("the profile has no labels");
            foreach (var n in await Nodes(c).ConfigureAwait(false))
            {
                var labels = n.Labels();
                var missing = p.Labels.Where(kv => labels.GetValueOrDefault(kv.Key) != kv.Value).Select(kv => $"{kv.Key}={kv.Value}").ToList();
                Require(missing.Count == 0, $"{n.Name()} lacks {string.Join(", ", missing)}");
            }
        } };
        yield return new() { Name = "nodes: pod CIDR assigned", Tags = ["nodes", "network"], Run = async c =>
        {
            var bad = (await Nodes(c).ConfigureAwait(false)).Where(n => string.IsNullOrEmpty(n.Str("spec", "podCIDR")) && n.At("spec", "podCIDRs") is null).Select(n => n.Name()).ToList();
            Require(bad.Count == 0, $"no podCIDR: {string.Join(", ", bad)}");
        } };
    }

    /// <summary>Bytes from a Kubernetes quantity (<c>131072Ki</c>, <c>64Gi</c>, <c>1e9</c>).</summary>
    public static double ParseQuantity(string? q)
    {
        if (string.IsNullOrEmpty(q)) return 0;
        (string Suffix, double Factor)[] units = [("Ki", 1024), ("Mi", 1 << 20), ("Gi", 1 << 30), ("Ti", 1024.0 * (1 << 30)), ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12)];
        foreach (var (suffix, factor) in units)
        {
            if (q.EndsWith(suffix, StringComparison.Ordinal) && double.TryParse(q[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                return v * factor;
        }
        return double.TryParse(q, NumberStyles.Float, CultureInfo.InvariantCulture, out var plain) ? plain : 0;
    }
}
