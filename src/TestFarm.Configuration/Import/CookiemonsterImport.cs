using System.Globalization;
using System.Text;
using YamlDotNet.RepresentationModel;

namespace TestFarm.Configuration.Import;

/// <summary>What an import gave: the suite's YAML (null when refused), its errors as file:line:col, and notes on what did not carry over.</summary>
public sealed record ImportResult(string? SuiteYaml, IReadOnlyList<ConfigError> Errors, IReadOnlyList<string> Notes);

/// <summary>
/// Imports SK Telecom Cookiemonster's own config shapes as a TestFarm suite of <c>kill-pods</c> chaos steps: the current
/// config (<c>namespace: [{name, resource: [{kind, name, target}]}], interval, duration, slack</c>, as YAML or as the
/// JSON body of <c>POST /api/v1/pod/start</c>), the ConfigMap that carries it (<c>data."config.yaml"</c>), the legacy v2
/// killpod cookie (<c>{name?, kind, namespace, target, interval, duration, slack}</c>) and a ConfigMap of such cookies.
/// A pod is killed the way Cookiemonster does: <c>target</c> pods of each resource per <c>interval</c>, for <c>duration</c>.
/// Legacy nodeexec cookies (arbitrary commands on nodes) have no TestFarm equivalent and are refused at their field.
/// </summary>
public static class CookiemonsterImport
{
    private const int MaxSeconds = 6 * 3600;

    public static ImportResult Import(string file, string text)
    {
        var reader = new YamlReader(file);
        var notes = new List<string>();
        var steps = new List<Step>();
        var lines = text.Split('\n');
        if (reader.Parse(text) is { } root) ReadDocument(reader, root, lines, "cookiemonster", steps, notes);
        var errors = new List<ConfigError>();
        reader.Flush(errors);
        if (errors.Count == 0 && steps.Count == 0) errors.Add(new(file, 1, 1, "nothing to import: no kill-pods cookie found"));
        if (errors.Count > 0) return new ImportResult(null, errors, notes);
        return new ImportResult(Render(file, steps, notes), errors, notes);
    }

    private sealed record Target(string Namespace, string Kind, string? Name, int Count);

    private sealed record Step(string Name, int Interval, int Duration, IReadOnlyList<Target> Targets);

    /// <summary>One document: a ConfigMap (each entry parsed in place), a current config, or a legacy cookie.</summary>
    private static void ReadDocument(YamlReader reader, YamlNode root, string[] lines, string stepName, List<Step> steps, List<string> notes)
    {
        if (root is not YamlMappingNode map)
        {
            Error(reader, root, "a Cookiemonster config must be a mapping");
            return;
        }
        if (Scalar(map, "kind") == "ConfigMap" && map.Children.ContainsKey(new YamlScalarNode("apiVersion")))
        {
            ReadConfigMap(reader, map, lines, steps, notes);
            return;
        }
        if (Get(map, "commands") is { } commands)
        {
            Error(reader, commands,
                "'commands' is a nodeexec cookie (arbitrary commands on nodes): TestFarm has no such chaos action; its node faults are " +
                "kill-kubelet, kill-containers, power-off, power-cycle, nic-down and pull-drive, written as suite steps");
            return;
        }
        var step = Get(map, "namespace") is YamlSequenceNode
            ? ReadCurrent(reader, map, stepName, notes)
            : ReadLegacy(reader, map, stepName, notes);
        if (step is not null) steps.Add(step);
    }

    private static void ReadConfigMap(YamlReader reader, YamlMappingNode map, string[] lines, List<Step> steps, List<string> notes)
    {
        if (Get(map, "data") is not YamlMappingNode data || data.Children.Count == 0)
        {
            reader.Error(Get(map, "data") ?? map, "ConfigMap 'data' must be a mapping of Cookiemonster configs");
            return;
        }
        foreach (var (key, value) in data.Children)
        {
            var name = (key as YamlScalarNode)?.Value ?? "";
            if (value is not YamlScalarNode { Value: { } inner } scalar)
            {
                reader.Error(value, $"'data.{name}' must be a string holding a Cookiemonster config");
                continue;
            }
            // A block scalar's text starts on the line after its indicator, indented; a quoted one where it stands.
            var block = scalar.Style is YamlDotNet.Core.ScalarStyle.Literal or YamlDotNet.Core.ScalarStyle.Folded;
            var lineShift = block ? (int)scalar.Start.Line : (int)scalar.Start.Line - 1;
            var columnShift = block ? Indent(lines, scalar) : (int)scalar.Start.Column;
            var nested = new YamlReader(reader.File);
            if (nested.Parse(inner) is { } root)
                ReadDocument(nested, root, [], "cookiemonster-" + Slug(Path.GetFileNameWithoutExtension(name)), steps, notes);
            foreach (var e in nested.Errors)
                reader.Errors.Add(e.Line == 1 && e.Column == 1 && e.Message == "file is empty"
                    ? new ConfigError(reader.File, (int)scalar.Start.Line, (int)scalar.Start.Column, $"'data.{name}' is empty")
                    : InFile(e with { Line = e.Line + lineShift, Column = e.Column + columnShift, Message = $"'data.{name}': {e.Message}" }, lines));
        }
    }

    /// <summary>The current shape: every namespace's resources, at one interval for one duration.</summary>
    private static Step? ReadCurrent(YamlReader reader, YamlMappingNode map, string stepName, List<string> notes)
    {
        Known(reader, map, "", ["namespace", "interval", "duration", "slack"]);
        var targets = new List<Target>();
        var namespaces = (YamlSequenceNode)Get(map, "namespace")!;
        for (var i = 0; i < namespaces.Children.Count; i++)
        {
            var path = $"namespace[{i}]";
            if (namespaces.Children[i] is not YamlMappingNode ns) { Error(reader, namespaces.Children[i], $"'{path}' must be a mapping with name and resource"); continue; }
            Known(reader, ns, path + ".", ["name", "resource"]);
            var name = Namespace(reader, ns, path + ".name", "name");
            if (Get(ns, "resource") is not YamlSequenceNode { Children.Count: > 0 } resources)
            {
                Error(reader, Get(ns, "resource") ?? ns, $"'{path}.resource' must be a non-empty list of {{kind, name, target}}");
                continue;
            }
            for (var j = 0; j < resources.Children.Count; j++)
            {
                var rpath = $"{path}.resource[{j}]";
                if (resources.Children[j] is not YamlMappingNode r) { Error(reader, resources.Children[j], $"'{rpath}' must be a mapping with kind, name and target"); continue; }
                Known(reader, r, rpath + ".", ["kind", "name", "target"]);
                var target = ReadTarget(reader, r, rpath, name, notes);
                if (target is not null) targets.Add(target);
            }
        }
        return Timing(reader, map, notes, stepName, targets);
    }

    /// <summary>A legacy v2 killpod cookie: one resource kind (optionally one named object) in one namespace.</summary>
    private static Step? ReadLegacy(YamlReader reader, YamlMappingNode map, string stepName, List<string> notes)
    {
        if (Get(map, "kind") is null && Get(map, "namespace") is null)
        {
            Error(reader, map, "not a Cookiemonster config: expected 'namespace: [...]' (current config), 'kind'/'namespace' (a killpod cookie) or a ConfigMap of them");
            return null;
        }
        Known(reader, map, "", ["name", "kind", "namespace", "target", "interval", "duration", "slack"]);
        var ns = Namespace(reader, map, "namespace", "namespace");
        var target = ReadTarget(reader, map, "", ns, notes);
        return Timing(reader, map, notes, stepName, target is null ? [] : [target]);
    }

    private static Target? ReadTarget(YamlReader reader, YamlMappingNode r, string path, string? ns, List<string> notes)
    {
        var at = path.Length > 0 ? path + "." : "";
        var kind = Scalar(r, "kind");
        if (kind is null) { Error(reader, r, $"'{at}kind' is required (deployment, statefulset or daemonset)"); return null; }
        if (kind is not ("deployment" or "statefulset" or "daemonset"))
        {
            Error(reader, Get(r, "kind")!, $"'{at}kind' must be deployment, statefulset or daemonset, was '{Bounded(kind)}'");
            return null;
        }
        if (kind == "daemonset")
            notes.Add($"{at}kind daemonset: Cookiemonster's own daemonset branch lists Deployments (an upstream bug); imported as meant, DaemonSet pods");
        string? name = null;
        if (Get(r, "name") is { } nameNode && !YamlReader.IsNull(nameNode))
        {
            name = (nameNode as YamlScalarNode)?.Value;
            if (name is null || !System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$"))
            {
                Error(reader, nameNode, $"'{at}name' must be the name of a {kind}, was '{Bounded(name ?? "(not a string)")}'");
                return null;
            }
        }
        int count;
        if (Get(r, "target") is null)
        {
            count = 1;
            notes.Add($"{at}target not given: 1 pod per interval");
        }
        else if (Int(reader, r, at + "target", "target", 1, 1000) is { } n) count = n;
        else return null;
        return ns is null ? null : new Target(ns, kind, name, count);
    }

    private static Step? Timing(YamlReader reader, YamlMappingNode map, List<string> notes, string stepName, List<Target> targets)
    {
        var interval = Int(reader, map, "interval", "interval", 1, MaxSeconds);
        var duration = Int(reader, map, "duration", "duration", 1, MaxSeconds);
        if (Get(map, "slack") is { } slack)
        {
            if (Scalar(map, "slack") is not ("true" or "false" or "True" or "False")) Error(reader, slack, "'slack' must be true or false");
            else if (Scalar(map, "slack") is "true" or "True") notes.Add("slack: TestFarm reports through its own reports and GitHub, not Slack");
        }
        if (interval is null || duration is null || targets.Count == 0) return null;
        if (duration < interval)
        {
            Error(reader, Get(map, "duration")!, $"'duration' ({duration}s) is shorter than 'interval' ({interval}s): nothing would be killed");
            return null;
        }
        return new Step(stepName, interval.Value, duration.Value, targets);
    }

    private static string? Namespace(YamlReader reader, YamlMappingNode map, string path, string key)
    {
        var value = Scalar(map, key);
        if (value is null) { Error(reader, Get(map, key) ?? map, $"'{path}' is required (a namespace name)"); return null; }
        if (!System.Text.RegularExpressions.Regex.IsMatch(value, "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"))
        {
            Error(reader, Get(map, key)!, $"'{path}' must be a namespace name, was '{Bounded(value)}'");
            return null;
        }
        return value;
    }

    private static int? Int(YamlReader reader, YamlMappingNode map, string path, string key, int min, int max)
    {
        var node = Get(map, key);
        if (node is null) { Error(reader, map, $"'{path}' is required"); return null; }
        if (Scalar(map, key) is { } text && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max) return n;
        Error(reader, node, $"'{path}' must be a whole number from {min} to {max}, was '{Bounded(Scalar(map, key) ?? "(not a number)")}'");
        return null;
    }

    private static void Known(YamlReader reader, YamlMappingNode map, string prefix, string[] keys)
    {
        foreach (var key in map.Children.Keys)
        {
            var name = (key as YamlScalarNode)?.Value ?? "";
            if (!keys.Contains(name))
                Error(reader, key, $"unknown field '{prefix}{Bounded(name)}' (known: {string.Join(", ", keys)})");
        }
    }

    private static YamlNode? Get(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

    private static string? Scalar(YamlMappingNode map, string key) =>
        Get(map, key) is YamlScalarNode s && !YamlReader.IsNull(s) ? s.Value : null;

    /// <summary>An error at a node (of a ConfigMap entry's document: moved to its place in the outer file afterwards).</summary>
    private static void Error(YamlReader reader, YamlNode node, string message) =>
        reader.Errors.Add(new ConfigError(reader.File, (int)node.Start.Line, (int)node.Start.Column, message));

    /// <summary>How far a block scalar's first content line (the line after its indicator) is indented in the outer text.</summary>
    /// <summary>
    /// An embedded config's error, placed inside the file: its end (past the block's last line break) is the outer file's
    /// last position, not a column past the end of a line.
    /// </summary>
    private static ConfigError InFile(ConfigError e, string[] lines)
    {
        if (lines.Length == 0) return e;
        var line = Math.Clamp(e.Line, 1, lines.Length);
        var text = lines[line - 1].TrimEnd('\r');
        return e with { Line = line, Column = line < e.Line ? text.Length + 1 : Math.Clamp(e.Column, 1, text.Length + 1) };
    }

    private static int Indent(string[] lines, YamlScalarNode scalar)
    {
        var line = (int)scalar.Start.Line; // 1-based line of the indicator: the content's line, 0-based
        if (line >= lines.Length) return 0;
        var content = lines[line];
        return content.Length - content.TrimStart(' ').Length;
    }

    private static string Slug(string name)
    {
        var s = new string([.. name.ToLowerInvariant().Select(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' ? c : '-')]).Trim('-');
        return s.Length == 0 ? "cookie" : s.Length > 50 ? s[..50].Trim('-') : s;
    }

    private static string Bounded(string value) => value.Length <= 60 ? value : value[..60] + "…";

    private static string Render(string file, List<Step> steps, List<string> notes)
    {
        var sb = new StringBuilder();
        sb.Append("# Imported from the Cookiemonster config ").Append(Path.GetFileName(file)).Append(" by `testfarm chaos import --cookiemonster`.\n");
        sb.Append("# Not carried over: Cookiemonster's guard that skips a workload with fewer than 2 available replicas\n");
        sb.Append("# (a quorum for rabbitmq and mariadb); add probes (pods-ready, ceph-health) to watch the steady state.\n");
        foreach (var note in notes.Distinct()) sb.Append("# Note: ").Append(note).Append('\n');
        var suite = "cookiemonster-" + Slug(Path.GetFileNameWithoutExtension(file).Replace("cookiemonster", "", StringComparison.Ordinal));
        sb.Append("name: ").Append(suite.TrimEnd('-')).Append('\n');
        sb.Append("description: \"Pod kills imported from Cookiemonster: target pods of each resource per interval, for the duration.\"\n");
        sb.Append("steps:\n");
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var step in steps)
        {
            var name = step.Name;
            for (var i = 2; !used.Add(name); i++) name = $"{step.Name}-{i}";
            sb.Append("  - kind: chaos\n    name: ").Append(name).Append('\n');
            sb.Append("    action: kill-pods\n");
            sb.Append("    interval: ").Append(step.Interval.ToString(CultureInfo.InvariantCulture)).Append("s\n");
            sb.Append("    duration: ").Append(step.Duration.ToString(CultureInfo.InvariantCulture)).Append("s\n");
            sb.Append("    namespaces:\n");
            foreach (var t in step.Targets)
            {
                sb.Append("      - { name: ").Append(t.Namespace).Append(", ownerKind: ").Append(t.Kind);
                if (t.Name is not null) sb.Append(", ownerName: ").Append(t.Name);
                sb.Append(", target: ").Append(t.Count.ToString(CultureInfo.InvariantCulture)).Append(" }\n");
            }
        }
        return sb.ToString();
    }
}
