using System.Globalization;
using System.Text.RegularExpressions;
using TestFarm.Core.Plans;

namespace TestFarm.Configuration;

/// <summary>Loads <c>scenarios/plans/*.yaml</c> into <see cref="Plan"/>, collecting every error.</summary>
public static partial class PlanLoader
{
    public static readonly IReadOnlyList<string> TopLevelKeys =
        ["name", "description", "trigger", "matrix", "cluster", "suites", "timeouts", "priority", "spares", "deadline", "retries", "hold_on_failure", "hold_for"];

    /// <summary>Phases a plan may give a deadline for.</summary>
    public static readonly IReadOnlyList<string> Phases = ["reserve", "reimage", "verify", "deploy", "addons", "suites", "collect", "clean"];

    public static readonly IReadOnlyList<string> Deployers = ["kubespray", "k3s", "talos", "lab"];
    public static readonly IReadOnlyList<string> AddOns = ["metallb", "rook-ceph"];

    private static readonly string[] TriggerKeys = ["kind", "cron", "paths", "repositories"];
    private static readonly string[] ClusterKeys = ["deployer", "kubernetesVersion", "addOns"];
    private static readonly string[] AddOnKeys = ["name", "version"];

    public static Loaded<Plan>? Load(string file, string text, ICollection<ConfigError> errors)
    {
        var reader = new YamlReader(file);
        var plan = Read(reader, reader.Map(reader.Parse(text), "", TopLevelKeys));
        reader.Flush(errors);
        return plan is null ? null : new Loaded<Plan>(plan, file, reader.Positions);
    }

    private static Plan? Read(YamlReader reader, Fields? f)
    {
        if (f is null) return null;
        var name = reader.Slug(f, "name");
        var description = f.Str("description");
        var trigger = ReadTrigger(reader, f.Map("trigger", TriggerKeys, true));
        var matrix = MatrixReader.Read(reader, f.Map("matrix", MatrixReader.Keys, true));
        var cluster = ReadCluster(reader, f.Map("cluster", ClusterKeys, true));
        var suites = f.Strings("suites");
        if (suites.Count == 0 && f.Get("suites") is null) f.Get("suites", required: true);
        var timeouts = ReadTimeouts(reader, f);
        var priority = f.Enum<PriorityClass>("priority");
        var spares = f.Int("spares", min: 0);
        var deadline = ReadDeadline(reader, f);
        var retries = f.Int("retries", min: 0);
        if (retries > Plan.MaxRetries) reader.Error(f.Get("retries")!, $"'retries' must be 0 to {Plan.MaxRetries}, was {retries}");
        var (hold, holdFor) = ReadHold(reader, f);
        if (name is null || trigger is null || matrix is null || cluster is null) return null;
        return new Plan
        {
            Name = name, Description = description, Trigger = trigger, Matrix = matrix, Cluster = cluster,
            Suites = suites, Timeouts = timeouts, Priority = priority ?? PriorityClass.Manual, Spares = spares ?? 0, Retries = retries ?? 1,
            Deadline = deadline, HoldOnFailure = hold, HoldFor = holdFor,
        };
    }

    /// <summary>
    /// <c>hold_on_failure: 2h</c> with <c>hold_for: &lt;token name&gt;</c>: at most the hands-on cap
    /// (<see cref="Core.HandsOn.HandsOnPolicy.MaxDuration"/>'s default; the farm checks its own cap again when it holds).
    /// </summary>
    private static (TimeSpan? Hold, string? For) ReadHold(YamlReader reader, Fields f)
    {
        TimeSpan? hold = null;
        var cap = new Core.HandsOn.HandsOnPolicy().MaxDuration;
        if (f.Str("hold_on_failure") is { } text)
        {
            if (!Durations.TryParse(text, out var span) || span <= TimeSpan.Zero)
                reader.Error(f.Get("hold_on_failure")!, $"'hold_on_failure' must be a duration like 30m, 2h or 1h30m, was '{Shorten(text)}'");
            else if (span > cap)
                reader.Error(f.Get("hold_on_failure")!, $"'hold_on_failure' must be at most the hands-on cap {cap}, was {span}");
            else hold = span;
        }
        var holdFor = f.Str("hold_for");
        if (holdFor is not null && (holdFor.Length is 0 or > Plan.MaxHoldFor || holdFor.Any(char.IsWhiteSpace)))
        {
            reader.Error(f.Get("hold_for")!, $"'hold_for' must be an API token name (1 to {Plan.MaxHoldFor} characters, no spaces), was '{Shorten(holdFor)}'");
            holdFor = null;
        }
        else if (holdFor is not null && f.Get("hold_on_failure") is null)
            reader.Error(f.Get("hold_for")!, "'hold_for' needs 'hold_on_failure' (how long to hold a failed cell's machines)");
        if (f.Get("hold_on_failure") is { } node && f.Get("hold_for") is null)
            reader.Error(node, "'hold_on_failure' needs 'hold_for': the API token name to hold a failed cell's machines for (runs record no person, so a pull request's author is not held for unless named)");
        return (hold, holdFor);
    }

    /// <summary><c>deadline: "08:00"</c>: the local time of day (farm's time zone) by which a run's results are wanted.</summary>
    private static TimeOnly? ReadDeadline(YamlReader reader, Fields f)
    {
        if (f.Str("deadline") is not { } text) return null;
        var m = TimeOfDayPattern().Match(text);
        if (m.Success) return new TimeOnly(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
        reader.Error(f.Get("deadline")!, $"'deadline' must be a time of day like 08:00 (HH:MM, 24-hour, in the farm's time zone), was '{Shorten(text)}'");
        return null;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    [GeneratedRegex(@"^([01]\d|2[0-3]):([0-5]\d)$")]
    private static partial Regex TimeOfDayPattern();

    private static PlanTrigger? ReadTrigger(YamlReader reader, Fields? t)
    {
        if (t is null) return null;
        var kind = t.Enum<TriggerKind>("kind", true);
        var cron = t.Str("cron");
        var paths = t.Strings("paths");
        var repositories = t.Strings("repositories");
        if (kind == TriggerKind.Nightly && cron is null) t.Get("cron", required: true);
        if (cron is not null && cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length is < 6 or > 7)
            reader.Error(t.Get("cron")!, $"'trigger.cron' must be a Quartz cron expression (6 or 7 fields: sec min hour day month weekday [year]), was '{cron}'");
        if (kind is null) return null;
        return new PlanTrigger { Kind = kind.Value, Cron = cron, Paths = paths, Repositories = repositories };
    }

    private static ClusterSpec? ReadCluster(YamlReader reader, Fields? c)
    {
        if (c is null) return null;
        var deployer = c.Str("deployer", true);
        if (deployer is not null && !Deployers.Contains(deployer))
            reader.Error(c.Get("deployer")!, $"'cluster.deployer' must be one of {string.Join(", ", Deployers)}, was '{deployer}'");
        var version = c.Str("kubernetesVersion", true);
        if (version is not null && !VersionPattern().IsMatch(version))
            reader.Error(c.Get("kubernetesVersion")!, $"'cluster.kubernetesVersion' must look like 1.32.3, was '{version}'");
        var addOns = new List<AddOnSpec>();
        var items = c.Items("addOns");
        for (var i = 0; i < items.Count; i++)
        {
            if (reader.Map(items[i], $"cluster.addOns[{i}]", AddOnKeys) is not { } a) continue;
            var addOn = a.Str("name", true);
            var addOnVersion = a.Str("version", true);
            if (addOn is not null && !AddOns.Contains(addOn))
            {
                reader.Error(a.Get("name")!, $"'cluster.addOns[{i}].name' must be one of {string.Join(", ", AddOns)}, was '{addOn}'");
                continue;
            }
            if (addOn is not null && addOnVersion is not null) addOns.Add(new AddOnSpec { Name = addOn, Version = addOnVersion });
        }
        if (deployer is null || version is null) return null;
        return new ClusterSpec { Deployer = deployer, KubernetesVersion = version.TrimStart('v'), AddOns = addOns };
    }

    private static Dictionary<string, TimeSpan> ReadTimeouts(YamlReader reader, Fields f)
    {
        var result = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        if (f.Map("timeouts", Phases) is not { } t) return result;
        foreach (var phase in Phases)
        {
            if (t.Str(phase) is not { } text) continue;
            if (Durations.TryParse(text, out var span)) result[phase] = span;
            else reader.Error(t.Get(phase)!, $"'timeouts.{phase}' must be a duration like 90s, 30m, 2h or 1h30m, was '{text}'");
        }
        return result;
    }

    [GeneratedRegex(@"^v?\d+\.\d+(\.\d+)?$")]
    private static partial Regex VersionPattern();
}
