using TestFarm.Core.Cluster;
using TestFarm.Scenarios.Probes;
using TestFarm.Scenarios.Settings;

namespace TestFarm.Scenarios.Chaos;

/// <summary>
/// One namespace of a pod-kill (Cookiemonster style: <c>target</c> pods per <c>interval</c>), optionally only pods of one
/// kind of workload (<c>ownerKind</c>: deployment, statefulset, daemonset) and of one named workload (<c>ownerName</c>).
/// </summary>
public sealed record PodKillTarget(string Namespace, string? LabelSelector, int Target)
{
    public static readonly IReadOnlyList<string> OwnerKinds = ["deployment", "statefulset", "daemonset"];

    public string? OwnerKind { get; init; }
    public string? OwnerName { get; init; }
}

/// <summary>
/// A chaos step's settings. <c>action</c>: kill-pods, cordon, drain, kill-kubelet, kill-containers, power-off,
/// power-cycle, nic-down, pull-drive. Pods: <c>namespaces: [{name, labelSelector, target}]</c> or
/// <c>namespace</c>/<c>labelSelector</c>/<c>target</c>, killed every <c>interval</c> for <c>duration</c>.
/// Nodes/machines: <c>node</c> (node name or machine id) or <c>role</c> (first machine of that role, e.g. worker).
/// <c>restoreAfter</c> undoes the fault (power on, NIC up, drive in, uncordon). <c>probes</c> run before, during
/// and after; each must recover within <c>recoveryLimit</c>.
/// </summary>
public sealed record ChaosSettings
{
    public static readonly IReadOnlyList<string> Actions =
        ["kill-pods", "cordon", "drain", "kill-kubelet", "kill-containers", "power-off", "power-cycle", "nic-down", "pull-drive"];

    public required string Action { get; init; }
    public string? Cluster { get; init; }
    public IReadOnlyList<PodKillTarget> Pods { get; init; } = [];
    public TimeSpan Interval { get; init; }
    public TimeSpan Duration { get; init; }
    public string? Node { get; init; }
    public string? Role { get; init; }
    public string? Nic { get; init; }
    public string? Drive { get; init; }
    public TimeSpan? RestoreAfter { get; init; }
    public required ProbeSettings Probes { get; init; }
    public bool MustStayHealthy { get; init; }

    public static ChaosSettings Read(StepSettings s)
    {
        var action = s.String("action", required: true) ?? "";
        if (action.Length > 0 && !Actions.Contains(action)) s.Error($"unknown chaos action '{action}' (known: {string.Join(", ", Actions)})");
        var pods = new List<PodKillTarget>();
        var interval = s.Duration("interval", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1));
        var duration = s.Duration("duration", action == "kill-pods" ? TimeSpan.FromMinutes(1) : TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromHours(6));
        if (action == "kill-pods")
        {
            foreach (var ns in s.MapList("namespaces"))
            {
                pods.Add(ReadTarget(ns, ns.String("name", required: true) ?? ""));
                s.Absorb(ns);
            }
            if (s.Has("namespace")) pods.Add(ReadTarget(s, s.String("namespace")!));
            if (pods.Count == 0) s.Error("kill-pods needs 'namespaces' or 'namespace'");
            if (duration < interval) s.Error($"'duration' ({StepSettings.Format(duration)}) is shorter than 'interval' ({StepSettings.Format(interval)}): nothing would be killed");
            if (duration / interval > 10_000) s.Error($"'duration'/'interval' gives {(long)(duration / interval)} rounds; at most 10000");
        }
        var node = s.String("node");
        var role = s.String("role");
        if (action is not ("kill-pods" or "") && node is null && role is null) s.Error($"'{action}' needs 'node' (node name or machine id) or 'role'");
        if (node is not null && role is not null) s.Error("give 'node' or 'role', not both");
        var nic = s.String("nic");
        var drive = s.String("drive");
        if (action == "nic-down" && nic is null) s.Error("nic-down needs 'nic'");
        if (action == "pull-drive" && drive is null) s.Error("pull-drive needs 'drive'");
        TimeSpan? restore = s.Has("restoreAfter") ? s.Duration("restoreAfter", TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromHours(6)) : null;
        if (restore is not null && action is "kill-pods" or "kill-kubelet" or "kill-containers" or "power-cycle")
            s.Error($"'restoreAfter' has no meaning for '{action}'");
        return new ChaosSettings
        {
            Action = action, Cluster = s.String("cluster"), Pods = pods, Interval = interval, Duration = duration,
            Node = node, Role = role, Nic = nic, Drive = drive, RestoreAfter = restore,
            Probes = ProbeSettings.Read(s, "recoveryLimit"), MustStayHealthy = s.Bool("mustStayHealthy", false),
        };
    }

    private static PodKillTarget ReadTarget(StepSettings s, string ns)
    {
        var selector = s.String("labelSelector");
        if (selector is not null && LabelSelector.Check(selector) is { } bad) s.Error(bad);
        if (ns.Length > 0 && !System.Text.RegularExpressions.Regex.IsMatch(ns, "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"))
            s.Error($"'{ns}' is not a valid namespace name");
        var ownerKind = s.String("ownerKind");
        if (ownerKind is not null && !PodKillTarget.OwnerKinds.Contains(ownerKind))
            s.Error($"'ownerKind' must be one of {string.Join(", ", PodKillTarget.OwnerKinds)}, was '{ownerKind}'");
        var ownerName = s.String("ownerName");
        if (ownerName is not null && ownerKind is null) s.Error("'ownerName' needs 'ownerKind'");
        return new PodKillTarget(ns, selector, s.Int("target", 1, 1, 1000)) { OwnerKind = ownerKind, OwnerName = ownerName };
    }
}
