using TestFarm.Core.Hardware;
using TestFarm.Core.Plans;
using YamlDotNet.RepresentationModel;

namespace TestFarm.Configuration;

/// <summary>Reads a plan's <c>matrix</c>: profile selectors, topologies, include and exclude.</summary>
internal static class MatrixReader
{
    public static readonly string[] Keys = ["profiles", "topologies", "include", "exclude"];
    private static readonly string[] TopologyKeys = ["name", "roles", "sameL2Domain"];
    private static readonly string[] RoleKeys = ["name", "count", "selector"];
    private static readonly string[] PointKeys = ["profile", "topology"];

    public static PlanMatrix? Read(YamlReader reader, Fields? m)
    {
        if (m is null) return null;
        var profiles = new List<Selector>();
        var profileItems = m.Items("profiles", required: true);
        for (var i = 0; i < profileItems.Count; i++)
        {
            reader.Record($"matrix.profiles[{i}]", profileItems[i]);
            if (ReadSelector(reader, profileItems[i], $"matrix.profiles[{i}]") is { } s) profiles.Add(s);
        }
        var topologies = new List<Topology>();
        var topologyItems = m.Items("topologies", required: true);
        for (var i = 0; i < topologyItems.Count; i++)
        {
            reader.Record($"matrix.topologies[{i}]", topologyItems[i]);
            if (ReadTopology(reader, reader.Map(topologyItems[i], $"matrix.topologies[{i}]", TopologyKeys)) is { } t) topologies.Add(t);
        }
        if (profileItems.Count == 0 && m.Get("profiles") is { } p) reader.Error(p, "'matrix.profiles' must name at least one profile selector");
        if (topologyItems.Count == 0 && m.Get("topologies") is { } tp) reader.Error(tp, "'matrix.topologies' must hold at least one topology");
        return new PlanMatrix
        {
            Profiles = profiles, Topologies = topologies,
            Include = ReadPoints(reader, m, "include", requireBoth: true), Exclude = ReadPoints(reader, m, "exclude", requireBoth: false),
        };
    }

    /// <summary>A selector mapping: each key a selector field, each value a scalar.</summary>
    public static Selector? ReadSelector(YamlReader reader, YamlNode node, string path)
    {
        if (node is not YamlMappingNode map)
        {
            reader.Error(node, $"'{path}' must be a mapping of selector fields (e.g. arch: arm64)");
            return null;
        }
        var match = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in map.Children)
        {
            var key = (k as YamlScalarNode)?.Value ?? "";
            if (!SelectorMatcher.IsKnownKey(key))
            {
                reader.Error(k, Names.Nearest(key, SelectorMatcher.Keys) is { } near
                    ? $"unknown selector field '{key}' in '{path}'; did you mean '{near}'?"
                    : $"unknown selector field '{key}' in '{path}'; allowed: {string.Join(", ", SelectorMatcher.Keys)}, labels.<key>");
                continue;
            }
            if (reader.Scalar(v, $"{path}.{key}") is { } value) match[key] = value;
        }
        return new Selector { Match = match };
    }

    private static Topology? ReadTopology(YamlReader reader, Fields? t)
    {
        if (t is null) return null;
        var name = reader.Slug(t, "name");
        if (name is not null) reader.Record($"matrix.topology:{name}", t.Node);
        var sameL2 = t.Bool("sameL2Domain");
        var roles = new List<TopologyRole>();
        var items = t.Items("roles", required: true);
        if (items.Count == 0 && t.Get("roles") is { } r) reader.Error(r, $"'{t.Path}.roles' must hold at least one role");
        for (var i = 0; i < items.Count; i++)
        {
            if (reader.Map(items[i], $"{t.Path}.roles[{i}]", RoleKeys) is not { } role) continue;
            var roleName = role.Str("name", true);
            var count = role.Int("count", true, min: 1);
            var selector = role.Get("selector") is { } s ? ReadSelector(reader, s, $"{role.Path}.selector") : Selector.Any;
            if (roleName is not null && count is not null && selector is not null)
                roles.Add(new TopologyRole { Name = roleName, Count = count.Value, Selector = selector });
        }
        if (name is null) return null;
        return new Topology { Name = name, Roles = roles, SameL2Domain = sameL2 ?? false };
    }

    private static List<MatrixPoint> ReadPoints(YamlReader reader, Fields m, string key, bool requireBoth)
    {
        var points = new List<MatrixPoint>();
        var items = m.Items(key);
        for (var i = 0; i < items.Count; i++)
        {
            reader.Record($"matrix.{key}[{i}]", items[i]);
            if (reader.Map(items[i], $"matrix.{key}[{i}]", PointKeys) is not { } p) continue;
            var profile = p.Str("profile", requireBoth);
            var topology = p.Str("topology", requireBoth);
            if (!requireBoth && profile is null && topology is null)
                reader.Error(p.Node, $"'matrix.{key}[{i}]' must name a profile, a topology or both");
            else points.Add(new MatrixPoint { Profile = profile, Topology = topology });
        }
        return points;
    }
}
