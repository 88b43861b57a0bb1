using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Quartz;
using TestFarm.Core.Hardware;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;

namespace TestFarm.Orchestration.Reservations;

/// <summary>How the farm's Quartz scheduler keeps its jobs.</summary>
public sealed record ReservationSchedulerOptions
{
    /// <summary>How often the lease reaper runs. Default 30 s; at least 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ReaperInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Npgsql connection string: Quartz AdoJobStore on PostgreSQL, clustered.</summary>
    public string? PostgresConnection { get; init; }

    /// <summary>
    /// SQLite file of Quartz's AdoJobStore (Microsoft.Data.Sqlite, schema provisioned), for a single instance: its jobs
    /// survive a restart and those it was executing are recovered. Used when <see cref="PostgresConnection"/> is null;
    /// both null: in-memory (RAMJobStore), nothing survives the process.
    /// </summary>
    public string? SqlitePath { get; init; }

    /// <summary>Name shared by the instances of one cluster.</summary>
    public string SchedulerName { get; init; } = "testfarm";

    /// <summary>How often a clustered instance checks in; another recovers its jobs after missing check-ins.</summary>
    public TimeSpan ClusterCheckinInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Jobs this instance runs at once (Quartz worker threads). Null: Quartz's default.</summary>
    [Range(1, 1000)]
    public int? MaxConcurrency { get; init; }
}

public static class ReservationSchedulingExtensions
{
    /// <summary>
    /// Registers Quartz with the lease reaper on a repeating trigger and its hosted service. Needs an
    /// <see cref="TestFarm.Core.Leases.ILeaseStore"/> in the container. With <see cref="ReservationSchedulerOptions.PostgresConnection"/>
    /// the job store is AdoJobStore on PostgreSQL, clustered, schema created if missing.
    /// </summary>
    public static IServiceCollection AddLeaseReaper(this IServiceCollection services, ReservationSchedulerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ReaperInterval < TimeSpan.FromSeconds(1))
            throw new ArgumentOutOfRangeException(nameof(options), $"ReaperInterval must be at least 1s, was {options.ReaperInterval}");
        if (options.MaxConcurrency is < 1)
            throw new ArgumentOutOfRangeException(nameof(options), $"MaxConcurrency must be at least 1, was {options.MaxConcurrency}");
        services.AddQuartz(q =>
        {
            if (options.MaxConcurrency is { } threads) q.UseDefaultThreadPool(threads);
            q.ConfigureScheduler(s =>
            {
                s.InstanceName = options.SchedulerName;
                s.GenerateInstanceId = true;
            });
            if (options.PostgresConnection is { } cs)
            {
                q.UsePersistentStore(store =>
                {
                    store.UsePostgres(cs);
                    store.UseSystemTextJsonSerializer(_ => { });
                    store.UseClustering(c => c.CheckinInterval = options.ClusterCheckinInterval);
                    store.ProvisionSchema();
                });
            }
            else if (options.SqlitePath is { } path)
            {
                q.UsePersistentStore(store =>
                {
                    store.UseSqlite(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = path, DefaultTimeout = 30 }.ConnectionString);
                    store.UseSystemTextJsonSerializer(_ => { });
                    store.ProvisionSchema();
                });
            }
            else
            {
                q.UseInMemoryStore(_ => { });
            }
            q.ScheduleJob<LeaseReaperJob>(
                t => t.WithIdentity("lease-reaper-trigger", "testfarm").StartNow()
                    .WithSchedule(SimpleScheduleBuilder.Create().WithInterval(options.ReaperInterval).RepeatForever()),
                j => j.WithIdentity(LeaseReaperJob.Key).RequestRecovery());
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        return services;
    }

    /// <summary>
    /// Registers <see cref="ReapedLeaseCellHandler"/>: each reaped lease's cell becomes infra-error or is requeued per
    /// <paramref name="options"/>. Needs <see cref="IRequestQueue"/>, <see cref="IEventLog"/>, <see cref="IRunStore"/> and a TimeProvider.
    /// </summary>
    public static IServiceCollection AddReapedLeaseCellHandler(this IServiceCollection services, ReapedLeaseOptions options, IReadOnlyDictionary<string, HardwareProfile> profiles)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxRequeues is < 0 or > 10) throw new ArgumentOutOfRangeException(nameof(options), $"MaxRequeues must be 0..10, was {options.MaxRequeues}");
        services.AddSingleton<IReapedLeaseHandler>(sp => new ReapedLeaseCellHandler(
            sp.GetRequiredService<IRequestQueue>(), sp.GetRequiredService<IEventLog>(), sp.GetRequiredService<IRunStore>(), profiles, options,
            sp.GetRequiredService<TimeProvider>(), sp.GetService<ILogger<ReapedLeaseCellHandler>>()));
        return services;
    }
}
