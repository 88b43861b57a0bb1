using TestFarm.Core.Cluster;
using TestFarm.Scenarios.Engine;
using TestFarm.Scenarios.Settings;

namespace TestFarm.Scenarios.Probes;

/// <summary>The result of one probe check.</summary>
public sealed record ProbeOutcome(bool Healthy, string Detail)
{
    public static ProbeOutcome Ok(string detail = "ok") => new(true, detail);
    public static ProbeOutcome Bad(string detail) => new(false, detail);
}

/// <summary>A steady-state check: all pods Ready, CephCluster healthy, a LoadBalancer reachable, an HTTP/TCP endpoint.</summary>
public interface IProbe
{
    string Name { get; }
    Task<ProbeOutcome> CheckAsync(StepRun run, CancellationToken cancellationToken);
}

/// <summary>How a probe is declared in a suite (<c>probes: [{type, name, ...}]</c>).</summary>
public static class ProbeFactory
{
    public static readonly IReadOnlyList<string> Types = ["pods-ready", "ceph-health", "loadbalancer", "http", "tcp", "nodes-ready"];

    /// <summary>Builds a probe; errors (unknown type, bad selector, bad port) go to <paramref name="s"/>.</summary>
    public static IProbe? Create(StepSettings s)
    {
        var type = s.String("type", required: true);
        var name = s.String("name") ?? type ?? "probe";
        var selector = s.String("labelSelector");
        if (selector is not null && LabelSelector.Check(selector) is { } bad) s.Error(bad);
        switch (type)
        {
            case "pods-ready":
                return new PodsReadyProbe(name, s.StringList("namespaces") is { Count: > 0 } nss ? nss : s.String("namespace") is { } ns ? [ns] : [], selector);
            case "nodes-ready":
                return new NodesReadyProbe(name);
            case "ceph-health":
                return new CephHealthProbe(name, s.String("namespace", "rook-ceph")!, s.String("cluster"),
                    s.StringList("accept") is { Count: > 0 } accept ? accept : ["HEALTH_OK"]);
            case "loadbalancer":
                return new LoadBalancerProbe(name, s.String("namespace", "default")!, s.String("service", required: true) ?? "",
                    s.Int("port", 80, 1, 65535), s.Bool("connect", false), s.Bool("ensure", false));
            case "http":
                var url = s.String("url", required: true);
                if (url is not null && !Uri.TryCreate(url, UriKind.Absolute, out _)) s.Error($"'url' must be an absolute URL, was '{url}'");
                return new HttpProbe(name, url ?? "", s.Int("expectStatus", 200, 100, 599));
            case "tcp":
                return new TcpProbe(name, s.String("host", required: true) ?? "", s.Int("port", 0, 1, 65535));
            case null:
                return null;
            default:
                s.Error($"unknown probe type '{type}' (known: {string.Join(", ", Types)})");
                return null;
        }
    }
}

/// <summary>Polls a probe until healthy or a limit passes, on the cell's clock.</summary>
public static class ProbeLoop
{
    /// <summary>How long a probe call may outlive its timeout before it is abandoned.</summary>
    public static readonly TimeSpan AbandonAfter = TimeSpan.FromSeconds(5);

    public static async Task<ProbeOutcome> CheckOnceAsync(IProbe probe, StepRun run, TimeSpan callTimeout, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(callTimeout, run.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            // Bounded even when what the probe calls does not honour its token: the probe is then left behind.
            return await probe.CheckAsync(run, linked.Token).WaitAsync(callTimeout + AbandonAfter, run.Time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return ProbeOutcome.Bad($"no answer within {StepSettings.Format(callTimeout)}");
        }
        catch (TimeoutException)
        {
            return ProbeOutcome.Bad($"no answer within {StepSettings.Format(callTimeout)}, and the call did not stop when told to (abandoned)");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return ProbeOutcome.Bad($"{ex.GetType().Name}: {ex.Message}");
        }
    }

    /// <summary>Checks every <paramref name="interval"/> until healthy; returns the outcome and the time it took.</summary>
    public static async Task<(ProbeOutcome Outcome, TimeSpan Elapsed)> WaitHealthyAsync(IProbe probe, StepRun run, TimeSpan limit,
        TimeSpan interval, TimeSpan callTimeout, CancellationToken cancellationToken)
    {
        var start = run.Time.GetUtcNow();
        while (true)
        {
            var outcome = await CheckOnceAsync(probe, run, callTimeout, cancellationToken).ConfigureAwait(false);
            var elapsed = run.Time.GetUtcNow() - start;
            if (outcome.Healthy || elapsed >= limit) return (outcome, elapsed);
            await Task.Delay(interval, run.Time, cancellationToken).ConfigureAwait(false);
        }
    }
}
