using System.Net;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;
using TestFarm.Core.GitHub;
using TestFarm.Core.Leases;
using TestFarm.Core.Plans;
using TestFarm.GitHub;
using TestFarm.Core.Machines;
using TestFarm.Core.Scheduling;
using TestFarm.Orchestration.Adapters;
using TestFarm.Orchestration.Backends;
using TestFarm.Orchestration.Reservations;
using TestFarm.Orchestration.Runs;
using TestFarm.Provisioning.Health;
using TestFarm.Provisioning.Inventory;
using TestFarm.Core.Provisioning;
using TestFarm.Server.Api;
using TestFarm.Server.Auth;
using TestFarm.Server.Dashboard;
using TestFarm.Server.Metrics;
using TestFarm.Server.Reports;
using TestFarm.Server.Runs;
using TestFarm.Server.Webhooks;
using TestFarm.Storage.Database;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Hosting;

/// <summary>The farm's configuration is wrong: every problem, each naming its option or file:line.</summary>
public sealed class FarmServerConfigException(IReadOnlyList<string> errors) : Exception(string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}

/// <summary>
/// <c>testfarm serve</c>: Kestrel with the REST API under <c>/api/v1</c>, <c>/metrics</c>, <c>/healthz</c> and the OpenAPI
/// document at <c>/openapi/v1.json</c>; the store (SQLite or PostgreSQL); Quartz with the lease reaper (and the reaped cells' verdicts), the
/// run engine's cell jobs and sweep, the machine cleaner, the health rounds and the plans' nightly crons (clustered on PostgreSQL); the GitHub webhook at <c>/webhooks/github</c> when enabled;
/// and a graceful stop that lets runs in flight finish.
/// </summary>
public static class FarmServer
{
    public static async Task<WebApplication> BuildAsync(FarmServerOptions options, IFarmBackend? backend, BmcErrorCounter? bmcErrors = null,
        Action<ILoggingBuilder>? logging = null, TimeProvider? time = null, Action<IServiceCollection>? configureServices = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (schedules, cronErrors) = NightlyPlanJob.Schedules(options.Configuration);
        var errors = FarmServerOptionsValidator.Validate(options).Concat(cronErrors).ToList();
        if (errors.Count > 0) throw new FarmServerConfigException(errors);
        // One data folder for the engine that writes runs' files and the endpoints that serve them.
        options = options with { DataDirectory = options.DataDirectory ?? (backend is null ? Path.GetFullPath("serve-data") : Path.GetDirectoryName(Path.GetFullPath(backend.ArtifactsRoot))!) };
        time ??= TimeProvider.System;

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "TestFarm.Server", Args = [] });
        builder.WebHost.UseKestrel(k => k.Listen(Address(options.Listen), options.Listen.Port));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.ShutdownTimeout);
        if (logging is not null) { builder.Logging.ClearProviders(); logging(builder.Logging); }
        // While the database is away: Quartz's job store retries each second and says so at Information; outage entries of
        // every category become one paced line without a stack trace (OutageQuietLoggerFactory).
        builder.Logging.AddFilter("Quartz.Impl.AdoJobStore", LogLevel.Warning);
        builder.Services.AddSingleton<LoggerFactory>();
        builder.Services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(sp => new OutageQuietLoggerFactory(sp.GetRequiredService<LoggerFactory>(), sp.GetRequiredService<TimeProvider>())));

        var store = await OpenStoreAsync(options, time, ct);
        var profiles = options.Configuration.Profiles.Select(p => p.Value).ToDictionary(p => p.Name, StringComparer.Ordinal);

        var services = builder.Services;
        services.AddSingleton(time);
        services.AddSingleton(options);
        services.AddSingleton(store);
        services.AddSingleton<ILeaseStore>(store);
        services.AddSingleton<IMachineStore>(store);
        services.AddSingleton<IRequestQueue>(store);
        services.AddSingleton<IEventLog>(store);
        services.AddSingleton<IRunStore>(store);
        services.AddSingleton<IHealthHistory>(store);
        services.AddSingleton<Core.Hardware.IInventoryStore>(store);
        services.AddSingleton(sp => new InventoryRecorder(store, time, sp.GetService<ILogger<InventoryRecorder>>()));
        // The reaper's other half: the cell of a reaped lease ends infra-error (or is requeued) with the phase it died in.
        services.AddReapedLeaseCellHandler(options.ReapedLeases, profiles);
        // The engine's and the reservations' backend: every reimage's observed inventory is kept (see ObservingBackend).
        if (backend is not null) services.AddSingleton<IFarmBackend>(sp => new ObservingBackend(backend, sp.GetRequiredService<InventoryRecorder>())).AddSingleton(backend.Bmcs);
        // Reservations, the broker and the health rounds over the backend's machines (none without a backend).
        services.AddFarmReservations(new FarmReservationsOptions
        {
            Profiles = profiles, Policy = options.Policy, Pool = options.Pool, HealthChecks = options.HealthChecks,
            Machines = backend is null ? null : new FarmMachines { Pool = backend.Pool, Profiles = backend.Profiles, BuildId = backend.BuildId, ArtifactsRoot = backend.ArtifactsRoot },
        }, r => (r.Holder, r.LeaseTtl, r.FarmUtcOffset) = (options.InstanceName, options.LeaseTtl, options.Policy.PeakUtcOffset));
        services.AddSingleton(bmcErrors ?? new BmcErrorCounter());
        services.AddSingleton<FarmMetrics>();
        if (backend is not null)
        {
            services.AddHandsOnReservations(options.HandsOn, backend, [.. options.Configuration.Plans.Select(p => p.Value)], Path.Combine(options.DataDirectory!, "reservations"));
            services.AddSingleton<ICellExecutor, BackendCellExecutor>();
        }
        services.AddSingleton<Core.Runs.IRunWorkStore>(store);
        services.AddSingleton<IOutboxStore>(store).AddSingleton<IGitHubIdStore>(store).AddSingleton<IApprovalStore>(store).AddSingleton<IDeliveryStore>(store);
        services.AddSingleton<IRunObserver, RunMetricsObserver>();
        // The one run engine: cells are durable Quartz jobs any instance takes; reports go to the data folder's runs/<run-id>/.
        services.AddRunEngine(new RunEngineOptions
        {
            Configuration = options.Configuration, InstanceName = options.InstanceName, MaxParallelCells = options.MaxParallelCells,
            CancelPollInterval = options.CancelPollInterval, HeartbeatInterval = options.HeartbeatInterval,
            DataDirectory = options.DataDirectory,
            ReportTitle = options.ReportTitle,
        }, options.ReaperInterval);
        // Before the defaults below, so a caller's registrations (e.g. another GitHub client) win over their TryAdds.
        configureServices?.Invoke(services);
        if (options.GitHubWebhooks)
        {
            services.AddTestFarmGitHub();
            services.AddGitHubWebhooks(o => o.Plans = [.. options.Configuration.Plans.Select(p => p.Value).Where(p => p.Trigger.Kind == TriggerKind.PullRequest)]);
            services.AddSingleton<IRunTrigger, ServerRunTrigger>();
            services.AddSingleton<IRunObserver, GitHubRunObserver>();
            services.AddSingleton<IRunReports, GitHubRunReports>();
        }
        services.AddSingleton<RunViews>();
        // Consoles and power: the backend's consoles (the lab's machines have them), the holders of reservations (none
        // unless reservations register theirs), the audit of console sessions and power actions.
        services.TryAddSingleton<IMachineConsoles>((backend as FarmBackendHost)?.Services.GetService<IMachineConsoles>() ?? new NoMachineConsoles());
        services.TryAddSingleton<IMachineHolders, NoMachineHolders>();
        services.AddSingleton<Consoles.ConsoleSessions>();
        services.AddSingleton(sp => new Consoles.MachinePower(store, options, time, backend));
        services.AddDashboard();
        services.AddSingleton<RunFiles>();
        services.AddSingleton<RunFileCatalog>();
        services.AddSingleton<TokenAuthenticator>();
        services.Configure<ApiAuthOptions>(o => o.Tokens.AddRange(options.Tokens));
        services.AddHealthChecks().AddCheck<StoreHealthCheck>("store");
        services.AddProblemDetails();
        // Binding failures are thrown to the error handler, which names the field (BindingErrors) instead of an empty 400.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddOpenApi(o => o.AddFarmDocument());
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));

        services.AddLeaseReaper(new ReservationSchedulerOptions
        {
            ReaperInterval = options.ReaperInterval,
            PostgresConnection = options.Storage.Kind == StoreKind.Postgres ? options.Storage.PostgresConnection : null,
            // A single instance's cells survive its restart: Quartz's own SQLite file next to the farm's.
            SqlitePath = options.Storage.Kind == StoreKind.Sqlite ? Path.ChangeExtension(Path.GetFullPath(options.Storage.SqlitePath), ".quartz.db") : null,
            // Cells take at most MaxParallelCells threads (CellSlots); the rest keep the reaper, cleaner, sweep and crons going.
            MaxConcurrency = options.MaxParallelCells + 6,
        });
        // AddQuartz is additive: these jobs join the reaper's scheduler.
        services.AddQuartz(q =>
        {
            q.AddJob<MachineCleanerJob>(j => j.WithIdentity(MachineCleanerJob.Key).StoreDurably());
            q.AddTrigger(t => t.WithIdentity("machine-cleaner-trigger", "testfarm").ForJob(MachineCleanerJob.Key).StartNow()
                .WithSimpleSchedule(s => s.WithInterval(options.CleanerInterval).RepeatForever()));
            foreach (var (plan, cron) in schedules)
            {
                var key = NightlyPlanJob.KeyFor(plan.Name);
                q.AddJob<NightlyPlanJob>(j => j.WithIdentity(key).UsingJobData(NightlyPlanJob.PlanKey, plan.Name).StoreDurably());
                q.AddTrigger(t => t.WithIdentity($"plan-{plan.Name}-cron", "testfarm-nightly").ForJob(key)
                    .WithCronSchedule(cron, c => c.InTimeZone(TimeZoneInfo.Utc).WithMisfireInstruction(CronTriggerMisfireInstruction.DoNothing)));
            }
        });
        // Registered last so it stops first: runs drain while Quartz and the store are still there.
        services.AddHostedService<RunDrainService>();

        var app = builder.Build();
        app.UseExceptionHandler(e => e.Run(HandleErrorAsync));
        app.UseStoreUnavailable();
        app.UseStatusCodePages();
        app.UseRunPathGuard();
        var api = app.MapGroup("/api/v1");
        api.AddEndpointFilterFactory(RouteIds.Filter);
        api.MapPoolEndpoints();
        Consoles.ConsoleEndpoints.MapConsoleEndpoints(api);
        api.MapQueueEndpoints();
        api.MapRunEndpoints();
        api.MapReservationEndpoints();
        api.MapReportEndpoints();
        api.MapGitHubOutboxEndpoints();
        app.MapDashboard();
        var metrics = app.MapGet("/metrics", (FarmMetrics metrics, CancellationToken token) => metrics.Scrape(token))
            .WithName("Metrics").WithSummary("Prometheus text exposition");
        if (options.MetricsRequireToken) metrics.RequireRole(ApiRole.Viewer);
        app.MapHealthChecks("/healthz", StoreUnavailable.HealthOptions);
        if (options.GitHubWebhooks) app.MapGitHubWebhooks().WithName("GitHubWebhook").WithSummary("GitHub deliveries, signed with the webhook secret");
        app.MapOpenApi("/openapi/{documentName}.json");
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var address = BoundAddress(app);
            ServerLog.Listening(app.Logger, options.InstanceName, address, store.Dialect.Place);
        });
        return app;
    }

    /// <summary>The address Kestrel bound (with the real port when 0 was asked).</summary>
    public static string BoundAddress(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "?";
    }

    private static IPAddress Address(Uri listen) =>
        listen.Host is "localhost" ? IPAddress.Loopback
        : listen.Host is "*" or "+" ? IPAddress.Any
        : IPAddress.TryParse(listen.Host.Trim('[', ']'), out var ip) ? ip
        : throw new FarmServerConfigException([$"listen: host must be an IP address or localhost, was '{listen.Host}' in {listen}"]);

    private static async Task<SqlFarmStore> OpenStoreAsync(FarmServerOptions options, TimeProvider time, CancellationToken ct)
    {
        try
        {
            return options.Storage.Kind == StoreKind.Postgres
                ? await SqlFarmStore.OpenPostgresAsync(options.Storage.PostgresConnection!, time, ct: ct)
                : await SqlFarmStore.OpenSqliteAsync(options.Storage.SqlitePath, time, ct: ct);
        }
        catch (StoreException ex)
        {
            throw new FarmServerConfigException([$"db: {ex.Message}"]);
        }
    }

    private static async Task HandleErrorAsync(HttpContext http)
    {
        var error = http.Features.Get<IExceptionHandlerFeature>()?.Error;
        var (status, title, detail) = error switch
        {
            StoreException s => (StatusCodes.Status503ServiceUnavailable, "Store unavailable", s.Message),
            BadHttpRequestException b => BindingErrors.Describe(b, http.Request) is var d ? (d.Status, d.Title, d.Detail) : default,
            _ => (StatusCodes.Status500InternalServerError, "Internal error", $"the server failed on {http.Request.Method} {http.Request.Path}; see its log (trace {http.TraceIdentifier})"),
        };
        var field = error is BadHttpRequestException bad ? BindingErrors.Describe(bad, http.Request).Field : null;
        if (status >= 500) ServerLog.RequestFailed(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("TestFarm.Server.Api"),
            http.Request.Method, http.Request.Path, http.TraceIdentifier, error);
        await Problems.Of(http, status, title, detail, field).ExecuteAsync(http);
    }
}
