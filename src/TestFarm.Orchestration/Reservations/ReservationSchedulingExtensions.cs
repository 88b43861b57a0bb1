using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace TestFarm.Orchestration.Reservations;

/// <summary>How the farm's Quartz scheduler keeps its jobs.</summary>
public sealed record ReservationSchedulerOptions
{
    /// <summary>How often the lease reaper runs. Default 30 s; at least 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ReaperInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Npgsql connection string: Quartz AdoJobStore on PostgreSQL, clustered. Null: in-memory (RAMJobStore).</summary>
    public string? PostgresConnection { get; init; }

    /// <summary>Name shared by the instances of one cluster.</summary>
    public string SchedulerName { get; init; } = "testfarm";

    /// <summary>How often a clustered instance checks in; another recovers its jobs after missing check-ins.</summary>
    public TimeSpan ClusterCheckinInterval { get; init; } = TimeSpan.FromSeconds(5);
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
        services.AddQuartz(q =>
        {
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
}
