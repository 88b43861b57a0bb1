using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TestFarm.Core.HandsOn;
using TestFarm.Core.Machines;
using TestFarm.Orchestration.Adapters;
using TestFarm.Orchestration.HandsOn;
using TestFarm.Orchestration.Reservations;
using TestFarm.Server.Runs;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Hosting;

/// <summary>People's hands-on reservations in the farm host's container.</summary>
internal static class HandsOnRegistration
{
    /// <summary>
    /// Registers <see cref="HandsOnReservations"/> over the store and this instance's broker and machines, as the
    /// <see cref="IMachineHolders"/> the console asks and as a hosted service. Call right after the broker's hosted service:
    /// it then starts after the broker and stops before it. Reservations' clusters (<c>deployCluster</c>) are deployed with the
    /// backend's bring-up and the cluster spec of one of <paramref name="plans"/>; their kubeconfigs are kept in <paramref name="clusterRoot"/>.
    /// </summary>
    public static IServiceCollection AddHandsOnReservations(this IServiceCollection services, HandsOnOptions options, IFarmBackend backend,
        IReadOnlyList<Core.Plans.Plan> plans, string clusterRoot)
    {
        services.AddSingleton(sp =>
        {
            var store = sp.GetRequiredService<SqlFarmStore>();
            return new HandsOnReservations(new HandsOnStores(store, store, store, store, store), sp.GetRequiredService<StoreCellReservations>(),
                sp.GetRequiredService<ReservationService>(), new HandsOnMachines(backend.Pool, backend.Profiles, backend.BuildId,
                    sp.GetRequiredService<IFarmBackend>().Provisioner)
                {
                    Clusters = new HandsOnClusters(backend.Clusters, plans, backend.Profiles.Values, clusterRoot),
                },
                options, sp.GetRequiredService<TimeProvider>(), sp.GetService<ILogger<HandsOnReservations>>());
        });
        services.AddSingleton<IMachineHolders>(sp => sp.GetRequiredService<HandsOnReservations>());
        services.AddHostedService(sp => sp.GetRequiredService<HandsOnReservations>());
        return services;
    }
}
