using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using TestFarm.Core.Bmc;
using TestFarm.Core.Cluster;
using TestFarm.Scenarios.Engine;

namespace TestFarm.Scenarios.Chaos;

/// <summary>Carries out chaos actions inside a <see cref="ChaosScope"/>, recording each with its time.</summary>
internal sealed class ChaosActions(StepRun run, string step, ChaosScope scope, ILogger logger)
{
    private readonly Random _random = new(run.Cell.RandomSeed);
    private static readonly TimeSpan PowerWait = TimeSpan.FromMinutes(2);

    public async Task RunAsync(ChaosSettings s, CellMachine? machine, Func<Task> sample, CancellationToken ct)
    {
        if (s.Action == "kill-pods")
        {
            var end = run.Time.GetUtcNow() + s.Duration;
            while (run.Time.GetUtcNow() + s.Interval <= end + TimeSpan.FromTicks(1))
            {
                foreach (var target in s.Pods) await KillPodsAsync(target, ct).ConfigureAwait(false);
                await sample().ConfigureAwait(false);
                await Task.Delay(s.Interval, run.Time, ct).ConfigureAwait(false);
            }
            return;
        }
        var m = machine ?? throw new ChaosRefusedException("no target machine");
        await ApplyAsync(s, m, ct).ConfigureAwait(false);
        try
        {
            var hold = s.RestoreAfter ?? s.Duration;
            var until = run.Time.GetUtcNow() + hold;
            while (run.Time.GetUtcNow() < until)
            {
                await SampleBoundedAsync(s, sample, until, ct).ConfigureAwait(false);
                var wait = HoldWait(until - run.Time.GetUtcNow(), s.Probes.Interval);
                if (wait > TimeSpan.Zero) await Task.Delay(wait, run.Time, ct).ConfigureAwait(false);
            }
            if (hold == TimeSpan.Zero) await sample().ConfigureAwait(false);
        }
        finally
        {
            // Whatever happened while it held, the fault is undone: a machine left off would fail every later step.
            // Even when the step was stopped; bounded on its own clock then.
            using var bounded = new CancellationTokenSource(PowerWait, run.Time);
            if (s.RestoreAfter is not null || s.Action == "kill-kubelet") await RestoreAsync(s, m, ct.IsCancellationRequested ? bounded.Token : ct).ConfigureAwait(false);
        }
    }

    /// <summary>How long to wait before the next probe round: the interval, or what is left of the hold; never negative.</summary>
    internal static TimeSpan HoldWait(TimeSpan left, TimeSpan interval) =>
        left <= TimeSpan.Zero ? TimeSpan.Zero : left < interval ? left : interval;

    /// <summary>
    /// One round of the probes, off this flow and bounded: however a probe misbehaves, the hold ends on time
    /// and the fault is undone (a powered-off machine is powered on again).
    /// </summary>
    private async Task SampleBoundedAsync(ChaosSettings s, Func<Task> sample, DateTimeOffset holdEnds, CancellationToken ct)
    {
        var bound = s.Probes.CallTimeout * Math.Max(1, s.Probes.Probes.Count) + TimeSpan.FromSeconds(5);
        var left = holdEnds - run.Time.GetUtcNow();
        if (left > bound) left = bound;
        if (left <= TimeSpan.Zero) return;
        try { await Task.Run(sample, ct).WaitAsync(left, run.Time, ct).ConfigureAwait(false); }
        catch (TimeoutException) { Log.SampleAbandoned(logger, step, left.TotalSeconds); }
    }

    private async Task ApplyAsync(ChaosSettings s, CellMachine m, CancellationToken ct)
    {
        switch (s.Action)
        {
            case "power-off":
                await m.Bmc.ResetAsync(PowerIntent.ForceOff, ct).ConfigureAwait(false);
                Record("power-off", m.Machine.Id);
                await m.Bmc.WaitForPowerStateAsync(PowerState.Off, PowerWait, ct).ConfigureAwait(false);
                Record("powered-off (BMC reports Off)", m.Machine.Id);
                break;
            case "power-cycle":
                await m.Bmc.ResetAsync(PowerIntent.PowerCycle, ct).ConfigureAwait(false);
                Record("power-cycle", m.Machine.Id);
                break;
            case "nic-down":
                await Lab().SetNicLinkAsync(m.Machine.Id, s.Nic!, up: false, ct).ConfigureAwait(false);
                Record($"nic-down {s.Nic}", m.Machine.Id);
                break;
            case "pull-drive":
                await Lab().PullDriveAsync(m.Machine.Id, s.Drive!, ct).ConfigureAwait(false);
                Record($"pull-drive {s.Drive}", m.Machine.Id);
                break;
            case "kill-kubelet":
                await Agent().KillKubeletAsync(m.NodeName, ct).ConfigureAwait(false);
                Record("kill-kubelet", m.NodeName);
                break;
            case "kill-containers":
                var n = await Agent().KillContainersAsync(m.NodeName, s.Pods.Count > 0 ? s.Pods[0].Namespace : null, ct).ConfigureAwait(false);
                Record("kill-containers", m.NodeName, $"{n} containers");
                break;
            case "cordon":
                await SetUnschedulableAsync(m.NodeName, true, ct).ConfigureAwait(false);
                Record("cordon", m.NodeName);
                break;
            case "drain":
                await SetUnschedulableAsync(m.NodeName, true, ct).ConfigureAwait(false);
                Record("cordon", m.NodeName);
                await EvictAsync(m.NodeName, ct).ConfigureAwait(false);
                break;
        }
    }

    private async Task RestoreAsync(ChaosSettings s, CellMachine m, CancellationToken ct)
    {
        switch (s.Action)
        {
            case "power-off":
                await m.Bmc.ResetAsync(PowerIntent.On, ct).ConfigureAwait(false);
                Record("power-on", m.Machine.Id);
                break;
            case "nic-down":
                await Lab().SetNicLinkAsync(m.Machine.Id, s.Nic!, up: true, ct).ConfigureAwait(false);
                Record($"nic-up {s.Nic}", m.Machine.Id);
                break;
            case "pull-drive":
                await Lab().InsertDriveAsync(m.Machine.Id, s.Drive!, ct).ConfigureAwait(false);
                Record($"insert-drive {s.Drive}", m.Machine.Id);
                break;
            case "kill-kubelet":
                await Agent().StartKubeletAsync(m.NodeName, ct).ConfigureAwait(false);
                Record("start-kubelet", m.NodeName);
                break;
            case "cordon" or "drain":
                await SetUnschedulableAsync(m.NodeName, false, ct).ConfigureAwait(false);
                Record("uncordon", m.NodeName);
                break;
        }
    }

    private async Task KillPodsAsync(PodKillTarget target, CancellationToken ct)
    {
        var pods = await run.Cell.Cluster.ListAsync(ResourceKind.Pod, target.Namespace, target.LabelSelector, ct).ConfigureAwait(false);
        var candidates = new List<JsonObject>();
        foreach (var pod in pods.Where(p => p.Str("status", "phase") == "Running" && PodOwners.Matches(p, target.OwnerKind, target.OwnerName)))
        {
            var node = pod.Str("spec", "nodeName");
            if (scope.OwnsNode(node)) candidates.Add(pod);
            else Record("kill-pod", $"{target.Namespace}/{pod.Name()}", $"refused: node '{node}' is not in cell {run.Cell.CellId}", done: false);
        }
        for (var i = 0; i < target.Target && candidates.Count > 0; i++)
        {
            var victim = candidates[_random.Next(candidates.Count)];
            candidates.Remove(victim);
            var deleted = await run.Cell.Cluster.DeleteAsync(new ResourceRef(ResourceKind.Pod, victim.Name(), target.Namespace), ct).ConfigureAwait(false);
            Record("kill-pod", $"{target.Namespace}/{victim.Name()}", deleted ? null : "already gone", done: deleted);
        }
    }

    private async Task SetUnschedulableAsync(string node, bool value, CancellationToken ct)
    {
        var patch = new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Node", ["metadata"] = new JsonObject { ["name"] = node },
            ["spec"] = new JsonObject { ["unschedulable"] = value },
        };
        await run.Cell.Cluster.ApplyAsync(patch, ct).ConfigureAwait(false);
    }

    private async Task EvictAsync(string node, CancellationToken ct)
    {
        var pods = await run.Cell.Cluster.ListAsync(ResourceKind.Pod, cancellationToken: ct).ConfigureAwait(false);
        foreach (var pod in pods.Where(p => p.Str("spec", "nodeName") == node))
        {
            if (pod.Items("metadata", "ownerReferences").Any(o => o.Str("kind") == "DaemonSet")) continue;
            var ns = pod.Str("metadata", "namespace");
            await run.Cell.Cluster.DeleteAsync(new ResourceRef(ResourceKind.Pod, pod.Name(), ns), ct).ConfigureAwait(false);
            Record("evict-pod", $"{ns}/{pod.Name()}");
        }
    }

    private INodeAgent Agent() => run.Cell.NodeAgent ?? throw new InvalidOperationException("no node agent configured for this cell");

    private ILabFaults Lab() => run.Cell.LabFaults ?? throw new InvalidOperationException("no lab fault interface for this cell (NIC/drive faults need the lab or managed switches)");

    private void Record(string action, string target, string? detail = null, bool done = true)
    {
        run.Recorder.Action(new ChaosAction(run.Time.GetUtcNow(), step, action, target, done, detail));
        if (done) Log.ChaosActionTaken(logger, step, action, target);
    }
}
