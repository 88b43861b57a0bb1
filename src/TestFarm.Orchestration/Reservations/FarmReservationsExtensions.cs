using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TestFarm.Core.Hardware;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Core.Pool;
using TestFarm.Core.Provisioning;
using TestFarm.Core.Runs;
using TestFarm.Core.Scheduling;
using TestFarm.Orchestration.Adapters;
using TestFarm.Orchestration.Backends;
using TestFarm.Provisioning.Health;
using TestFarm.Provisioning.Inventory;

namespace TestFarm.Orchestration.Reservations;

/// <summary>What the farm's reservations are made of; the per-instance settings are <see cref="ReservationSettings"/> (validated at start).</summary>
public sealed record FarmReservationsOptions
{
    /// <summary>The hardware profiles the scheduler matches machines against.</summary>
    public required IReadOnlyDictionary<string, HardwareProfile> Profiles { get; init; }
    public PolicyOptions Policy { get; init; } = new();
    /// <summary>
    /// The machines this instance runs cells on: with them come the reservation broker (<see cref="StoreCellReservations"/>)
    /// and, with <see cref="HealthChecks"/>, the health rounds over them. Null: an API-only instance.
    /// </summary>
    public FarmMachines? Machines { get; init; }
    /// <summary>Machines registered in the store at start when there are no <see cref="Machines"/> (an API-only instance over a pool file).</summary>
    public PoolInventory? Pool { get; init; }
    /// <summary>Scheduled health rounds over <see cref="Machines"/> (needs an <see cref="Core.Bmc.IBmcClientFactory"/>); null: none.</summary>
    public HealthCheckOptions? HealthChecks { get; init; }
}

public static class FarmReservationsExtensions
{
    /// <summary>Configuration section that overrides <see cref="ReservationSettings"/> (e.g. <c>Reservations:RoundInterval</c>).</summary>
    public const string Section = "Reservations";

    /// <summary>
    /// The farm's reservations over the store: <see cref="ReservationService"/> (the farm policy with <see cref="FarmReservationsOptions.Policy"/>,
    /// hold times estimated from the store's finished cells), the machines registered in the store at start, and with
    /// <see cref="FarmReservationsOptions.Machines"/> the reservation broker as a hosted service and the health rounds.
    /// <see cref="ReservationSettings"/> come from <paramref name="settings"/>, then the <see cref="Section"/> section of the
    /// configuration, and are validated at start (each failure names the setting and its value). Needs the store's ports
    /// (<see cref="IMachineStore"/>, <see cref="ILeaseStore"/>, <see cref="IRequestQueue"/>, <see cref="IRunStore"/>,
    /// <see cref="IRunWorkStore"/>) and a TimeProvider.
    /// </summary>
    public static IServiceCollection AddFarmReservations(this IServiceCollection services, FarmReservationsOptions options, Action<ReservationSettings> settings)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(settings);
        services.AddOptions<ReservationSettings>().Configure(settings)
            .Configure<IServiceProvider>((o, sp) => sp.GetService<IConfiguration>()?.GetSection(Section).Bind(o))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ReservationSettings>, ReservationSettingsValidator>());

        services.TryAddSingleton(new HistoryDurationEstimator(TimeSpan.FromHours(1)));
        services.TryAddSingleton(sp => new FarmScheduler(new GangChooser(options.Profiles), options.Policy, sp.GetRequiredService<HistoryDurationEstimator>()));
        services.TryAddSingleton(sp => new StoreDurationHistory(sp.GetRequiredService<IRunStore>(), sp.GetRequiredService<HistoryDurationEstimator>(),
            sp.GetRequiredService<TimeProvider>(), ReservationService.HistoryRefresh));
        services.TryAddSingleton(sp => new ReservationService(sp.GetRequiredService<FarmScheduler>(), sp.GetRequiredService<IMachineStore>(),
            sp.GetRequiredService<ILeaseStore>(), sp.GetRequiredService<IRequestQueue>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<ReservationService>>(), sp.GetRequiredService<StoreDurationHistory>()));
        // First hosted service of the farm: the machines are in the store before the broker or a cell asks for them.
        var pool = options.Machines?.Pool ?? options.Pool;
        if (pool is not null) services.AddHostedService(sp => new PoolRegistration(sp.GetRequiredService<ReservationService>(), pool));
        if (options.Machines is not { } machines) return services;

        services.TryAddSingleton(machines);
        services.TryAddSingleton(sp => new ReservationStores(sp.GetRequiredService<ILeaseStore>(), sp.GetRequiredService<IMachineStore>(),
            sp.GetRequiredService<IRequestQueue>()));
        services.TryAddSingleton(sp =>
        {
            var runs = sp.GetRequiredService<IRunWorkStore>();
            return new StoreCellReservations(sp.GetRequiredService<ReservationService>(), sp.GetRequiredService<ReservationStores>(), machines.Pool,
                machines.Profiles, sp.GetRequiredService<IOptions<ReservationSettings>>().Value, sp.GetRequiredService<TimeProvider>(),
                async (runId, ct) => await runs.GetRunRecordAsync(runId, ct).ConfigureAwait(false) is not { } run || RunTransitions.IsEnded(run.State),
                sp.GetService<ILogger<StoreCellReservations>>());
        });
        // The reservation broker: runs with the host, stops after the runs have drained (hosted services stop in reverse).
        services.AddHostedService(sp => sp.GetRequiredService<StoreCellReservations>());
        if (options.HealthChecks is { } health)
        {
            services.TryAddSingleton<IHealthTargets>(new StaticHealthTargets([.. machines.Pool.Machines
                .Where(m => machines.Profiles.ContainsKey(m.Profile)).Select(m => new HealthTarget(m, machines.Profiles[m.Profile]))]));
            services.TryAddSingleton(sp => new HealthChecker(null, sp.GetRequiredService<TimeProvider>(),
                sp.GetService<IInventoryStore>() is { } inventory ? new InventoryRecorder(inventory, sp.GetRequiredService<TimeProvider>(), sp.GetService<ILogger<InventoryRecorder>>()) : null));
            services.AddFarmHealthChecks(health);
        }
        return services;
    }

    /// <summary>Registers the pool's machines in the store when the host starts.</summary>
    private sealed class PoolRegistration(ReservationService reservations, PoolInventory pool) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => reservations.RegisterPoolAsync(pool, cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
