using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Quartz;
using TestFarm.Core.Bmc;
using TestFarm.Core.Machines;
using TestFarm.Core.Provisioning;

namespace TestFarm.Provisioning.Health;

public static class HealthCheckRegistration
{
    /// <summary>
    /// Schedules <see cref="MachineHealthJob"/> on Quartz every <see cref="HealthCheckOptions.Interval"/> (first round
    /// at start) and registers <see cref="HealthRound"/>, <see cref="HealthLedger"/> and the options.
    /// Needs in the container: <see cref="IMachineStore"/>, <see cref="IBmcClientFactory"/>, <see cref="IHealthTargets"/>
    /// and <see cref="HealthChecker"/> (<c>AddTestFarmProvisioning</c>); an <see cref="IHealthHistory"/> when there is one (the
    /// store's) keeps every round. Uses the host's Quartz scheduler (its job
    /// store, e.g. <c>AddLeaseReaper</c>'s); add <c>AddQuartzHostedService</c> if nothing else runs Quartz.
    /// Throws at registration, naming key and value, on unusable options.
    /// </summary>
    public static IServiceCollection AddFarmHealthChecks(this IServiceCollection services, HealthCheckOptions? options = null)
    {
        options ??= new HealthCheckOptions();
        var errors = options.Validate();
        if (errors.Count > 0) throw new ArgumentException("health checks: " + string.Join("; ", errors), nameof(options));
        services.TryAddSingleton(options);
        services.TryAddSingleton<HealthLedger>();
        services.TryAddSingleton(sp => new HealthRound(sp.GetRequiredService<IMachineStore>(), sp.GetRequiredService<IHealthTargets>(),
            sp.GetRequiredService<IBmcClientFactory>(), sp.GetRequiredService<HealthChecker>(), sp.GetRequiredService<HealthLedger>(),
            sp.GetRequiredService<HealthCheckOptions>(), sp.GetService<ILogger<HealthRound>>(), sp.GetService<IHealthHistory>(), sp.GetService<TimeProvider>()));
        services.AddQuartz(q => q.ScheduleJob<MachineHealthJob>(
            t => t.WithIdentity("machine-health-trigger", "testfarm").StartNow()
                .WithSchedule(SimpleScheduleBuilder.Create().WithInterval(options.Interval).RepeatForever()),
            j => j.WithIdentity(MachineHealthJob.Key)));
        return services;
    }
}
