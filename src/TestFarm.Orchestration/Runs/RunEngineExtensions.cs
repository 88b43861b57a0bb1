using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Quartz;

namespace TestFarm.Orchestration.Runs;

public static class RunEngineExtensions
{
    /// <summary>
    /// Registers the run engine: <see cref="RunEngine"/>, <see cref="RunFinisher"/>, the cell jobs and the sweep on
    /// <paramref name="sweepInterval"/>. Needs Quartz with a persistent job store (see
    /// <see cref="Reservations.ReservationSchedulingExtensions.AddLeaseReaper"/>), an <c>IRunWorkStore</c>, an
    /// <c>IRequestQueue</c>, an <c>ILeaseStore</c> and a TimeProvider; an <see cref="ICellExecutor"/> when this instance runs cells.
    /// </summary>
    public static IServiceCollection AddRunEngine(this IServiceCollection services, RunEngineOptions options, TimeSpan sweepInterval)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxParallelCells is < 1 or > 64) throw new ArgumentOutOfRangeException(nameof(options), $"MaxParallelCells must be 1 to 64, was {options.MaxParallelCells}");
        if (options.CancelPollInterval < TimeSpan.FromMilliseconds(100)) throw new ArgumentOutOfRangeException(nameof(options), $"CancelPollInterval must be at least 100ms, was {options.CancelPollInterval}");
        if (sweepInterval < TimeSpan.FromSeconds(1)) throw new ArgumentOutOfRangeException(nameof(sweepInterval), $"the sweep interval must be at least 1s, was {sweepInterval}");
        services.TryAddSingleton(options);
        services.TryAddSingleton<CellSlots>();
        services.TryAddSingleton<RunFinisher>();
        services.TryAddSingleton<RunEngine>();
        // Started again under its name, the instance ends its dead predecessor's cell leases at once (before Quartz
        // recovers the cells), instead of waiting for their expiry. Registered here so it starts before Quartz.
        services.TryAddSingleton<Reservations.ReclaimedMachines>();
        services.AddHostedService(sp => new Reservations.OwnLeaseReclaimer(options.InstanceName, sp.GetRequiredService<Core.Leases.ILeaseStore>(),
            sp.GetService<Core.HandsOn.IHandsOnStore>(), sp.GetServices<Reservations.IReapedLeaseHandler>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetService<Microsoft.Extensions.Logging.ILogger<Reservations.OwnLeaseReclaimer>>(), sp.GetRequiredService<Reservations.ReclaimedMachines>()));
        services.AddQuartz(q =>
        {
            q.AddJob<RunSweepJob>(j => j.WithIdentity(RunSweepJob.Key).StoreDurably());
            q.AddTrigger(t => t.WithIdentity("run-sweep-trigger", "testfarm").ForJob(RunSweepJob.Key).StartNow()
                .WithSimpleSchedule(s => s.WithInterval(sweepInterval).RepeatForever()));
        });
        return services;
    }
}

