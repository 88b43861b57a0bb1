using TestFarm.Core.Configuration;
using TestFarm.Server.Auth;
using TestFarm.Storage;

namespace TestFarm.Server.Hosting;

/// <summary>What one <c>testfarm serve</c> instance runs with. Checked by <see cref="FarmServerOptionsValidator"/> at start.</summary>
public sealed record FarmServerOptions
{
    /// <summary>Where the API listens: http on a loopback or any address. Port 0 picks a free port.</summary>
    public Uri Listen { get; init; } = new("http://127.0.0.1:8080");
    public required StorageOptions Storage { get; init; }
    /// <summary>Plans, suites and profiles the farm knows (already validated).</summary>
    public required ConfigurationSet Configuration { get; init; }
    public IReadOnlyList<ApiToken> Tokens { get; init; } = [];
    /// <summary>Machines to register at start when there is no backend (an API-only instance over a pool file).</summary>
    public Core.Pool.PoolInventory? Pool { get; init; }
    /// <summary>This instance's name: holder of its leases and the name in its logs. Unique per instance.</summary>
    public string InstanceName { get; init; } = $"{Environment.MachineName}-{Environment.ProcessId}";
    /// <summary>How often the lease reaper runs (Quartz).</summary>
    public TimeSpan ReaperInterval { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>How often a running run looks for a cancel request (which any instance may write).</summary>
    public TimeSpan CancelPollInterval { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan LeaseTtl { get; init; } = TimeSpan.FromMinutes(2);
    /// <summary>How often a cell's lease is heartbeated while it holds machines.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(20);
    public int MaxParallelCells { get; init; } = 4;
    /// <summary>How long a graceful stop waits for in-flight runs to finish before it gives up.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromMinutes(30);
    /// <summary>How long a machine may sit in Cleaning (e.g. after a reaped lease) before the cleaner takes it.</summary>
    public TimeSpan CleaningGrace { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan CleanerInterval { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>
    /// Scheduled health rounds over the pool's machines (Quartz, one instance of a cluster at a time; every verdict kept in
    /// the store's health history). Null: none. Only an instance with a farm backend (hands on the BMCs) runs them.
    /// </summary>
    public Provisioning.Health.HealthCheckOptions? HealthChecks { get; init; } = new();
    /// <summary>What becomes of the cell of a lease the reaper took (its holder stopped heartbeating): infra-error by default.</summary>
    public Core.Leases.ReapedLeaseOptions ReapedLeases { get; init; } = new();
    /// <summary>
    /// Serve <c>POST /webhooks/github</c> and report pull-request runs on GitHub. Needs configuration <c>GitHub:Token</c> (or the
    /// App's keys) and <c>GitHub:Webhooks:Secret</c>, e.g. as environment variables <c>GitHub__Token</c>, <c>GitHub__Webhooks__Secret</c>.
    /// </summary>
    public bool GitHubWebhooks { get; init; }
    /// <summary><c>/metrics</c> answers only a request with a token of any role (401 without); off by default, as Prometheus scrapes.</summary>
    public bool MetricsRequireToken { get; init; }
    /// <summary>
    /// The scheduling policy. The default keeps headroom for pull requests (more in working hours); a dedicated
    /// pool such as the built-in lab gives it none (<see cref="DedicatedPool"/>).
    /// </summary>
    public Core.Scheduling.PolicyOptions Policy { get; init; } = new();
    /// <summary>People's hands-on reservations: default duration, cap, warning, heartbeat (see <see cref="Orchestration.HandsOn.HandsOnOptions"/>).</summary>
    public Orchestration.HandsOn.HandsOnOptions HandsOn { get; init; } = new();
    /// <summary>
    /// The farm's data folder (absolute): each run's reports and its cells' artifacts under <c>runs/&lt;run-id&gt;/</c>
    /// (<see cref="Reporting.RunFolders"/>), served at <c>/api/v1/runs/{id}/reports/...</c> and <c>/api/v1/runs/{id}/artifacts/...</c>.
    /// Null: this instance serves no run files (404 saying so).
    /// </summary>
    public string? DataDirectory { get; init; }
    /// <summary>
    /// The farm's address as people reach it (e.g. <c>https://farm.example.org/</c> behind a proxy): a GitHub check's details
    /// link points at the run's report there. Null: checks carry no link.
    /// </summary>
    public Uri? PublicUrl { get; init; }
    /// <summary>Title of the runs' reports by plan name; null: the plan, its state and trigger.</summary>
    public Func<string, string>? ReportTitle { get; init; }

    /// <summary>Policy for a pool that serves one kind of work only: no headroom kept back for pull requests.</summary>
    public static Core.Scheduling.PolicyOptions DedicatedPool { get; } = new() { Headroom = 0, PeakHeadroom = 0 };
}

/// <summary>Refuses options that cannot work, naming the option and its value.</summary>
public static class FarmServerOptionsValidator
{
    public static IReadOnlyList<string> Validate(FarmServerOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var errors = new List<string>();
        if (o.Listen.Scheme != Uri.UriSchemeHttp) errors.Add($"listen: only http:// is served (put TLS in front), was {o.Listen}");
        if (o.Listen.AbsolutePath != "/") errors.Add($"listen: give scheme, host and port only, was {o.Listen}");
        if (o.Storage.Kind == Storage.Database.StoreKind.Postgres && string.IsNullOrWhiteSpace(o.Storage.PostgresConnection))
            errors.Add("db: postgres needs a connection string (postgres:Host=...;Database=...)");
        if (string.IsNullOrWhiteSpace(o.InstanceName)) errors.Add("instance name must not be empty");
        if (o.ReaperInterval < TimeSpan.FromSeconds(1)) errors.Add($"ReaperInterval must be at least 1s, was {o.ReaperInterval}");
        if (o.CancelPollInterval < TimeSpan.FromMilliseconds(100)) errors.Add($"CancelPollInterval must be at least 100ms, was {o.CancelPollInterval}");
        if (o.HeartbeatInterval >= o.LeaseTtl) errors.Add($"HeartbeatInterval ({o.HeartbeatInterval}) must be shorter than LeaseTtl ({o.LeaseTtl})");
        if (o.MaxParallelCells is < 1 or > 64) errors.Add($"MaxParallelCells must be 1 to 64, was {o.MaxParallelCells}");
        if (o.Tokens.Count == 0) errors.Add("tokens: no API token is configured; create one with 'testfarm token create --role admin'");
        if (o.HealthChecks is { } health) errors.AddRange(health.Validate().Select(e => "health checks: " + e));
        errors.AddRange(o.HandsOn.Problems().Select(e => "HandsOn." + e));
        if (o.HandsOn.HeartbeatInterval >= o.LeaseTtl) errors.Add($"HandsOn.HeartbeatInterval ({o.HandsOn.HeartbeatInterval}) must be shorter than LeaseTtl ({o.LeaseTtl})");
        if (o.ReapedLeases.MaxRequeues is < 0 or > 10) errors.Add($"ReapedLeases.MaxRequeues must be 0..10, was {o.ReapedLeases.MaxRequeues}");
        if (o.DataDirectory is { } data && (string.IsNullOrWhiteSpace(data) || !Path.IsPathFullyQualified(data) || data.Contains('\0', StringComparison.Ordinal)))
            errors.Add($"DataDirectory must be an absolute path, was '{Reports.RunPaths.Echo(data)}'");
        if (o.PublicUrl is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
            || url.Query.Length > 0 || url.Fragment.Length > 0 || url.UserInfo.Length > 0))
            errors.Add($"PublicUrl must be an absolute http(s) URL without user, query or fragment (e.g. https://farm.example.org/), was '{Reports.RunPaths.Echo(url.OriginalString)}'");
        if (!o.Configuration.IsValid) errors.Add($"configuration has {o.Configuration.Errors.Count} errors; run 'testfarm validate'");
        return errors;
    }
}
