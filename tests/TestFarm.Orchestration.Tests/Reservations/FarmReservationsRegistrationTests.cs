using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Core.Provisioning;
using TestFarm.Core.Runs;
using TestFarm.Orchestration.Adapters;
using TestFarm.Orchestration.Backends;
using TestFarm.Orchestration.Reservations;
using TestFarm.Provisioning.Health;
using TestFarm.Storage.Sql;
using TestFarm.Testing;
using static TestFarm.Orchestration.Tests.Reservations.ReservationTestPool;

namespace TestFarm.Orchestration.Tests.Reservations;

/// <summary><c>AddFarmReservations</c>: what the composition roots get from one call, and its settings checked at start.</summary>
public sealed class FarmReservationsRegistrationTests
{
    private static ServiceCollection Services(SqlFarmStore store, TimeProvider time, IConfiguration? configuration = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton(time).AddSingleton<IMachineStore>(store).AddSingleton<ILeaseStore>(store).AddSingleton<IRequestQueue>(store)
            .AddSingleton<IRunStore>(store).AddSingleton<IRunWorkStore>(store).AddSingleton<IEventLog>(store);
        if (configuration is not null) services.AddSingleton(configuration);
        services.AddFarmReservations(new FarmReservationsOptions
        {
            Profiles = Profiles, HealthChecks = new HealthCheckOptions(), Policy = new Core.Scheduling.PolicyOptions { Headroom = 0, PeakHeadroom = 0 },
            Machines = new FarmMachines { Pool = Pool(3), Profiles = Profiles, BuildId = "b1", ArtifactsRoot = "/tmp/cells" },
        }, r => (r.Holder, r.LeaseTtl) = ("farm-a", TimeSpan.FromMinutes(3)));
        return services;
    }

    [Test]
    public async Task One_call_gives_the_service_the_broker_and_the_health_targets_and_the_pool_is_in_the_store_before_the_broker_starts()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider();
        var store = await SqlFarmStore.OpenSqliteAsync(dir.File("farm.db"), time);
        await using var provider = Services(store, time).BuildServiceProvider();

        Assert.That(provider.GetRequiredService<IOptions<ReservationSettings>>().Value,
            Is.EqualTo(new ReservationSettings { Holder = "farm-a", LeaseTtl = TimeSpan.FromMinutes(3) }));
        Assert.That(provider.GetRequiredService<IHealthTargets>(), Is.InstanceOf<StaticHealthTargets>());
        var hosted = provider.GetServices<IHostedService>().ToList();
        Assert.That(hosted, Has.Count.EqualTo(2), "the pool's registration, then the broker");
        Assert.That(hosted[1], Is.SameAs(provider.GetRequiredService<StoreCellReservations>()));
        Assert.That(hosted[0], Is.Not.InstanceOf<StoreCellReservations>());

        Assert.That(await store.ListMachinesAsync(), Is.Empty);
        await hosted[0].StartAsync(CancellationToken.None);
        Assert.That((await store.ListMachinesAsync()).Select(m => m.Id), Is.EquivalentTo(new[] { "m0", "m1", "m2" }));
        var service = provider.GetRequiredService<ReservationService>();
        await service.SubmitAsync(Request("r1", 2, Core.Plans.PriorityClass.Nightly, time.GetUtcNow()));
        Assert.That((await service.ScheduleAsync("farm-a", TimeSpan.FromMinutes(3))).Single().Lease.Machines, Has.Count.EqualTo(2),
            "the registered service schedules over the store");
    }

    [Test]
    public async Task Settings_from_the_configuration_that_cannot_work_fail_at_start_naming_each_setting_and_value()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider();
        var store = await SqlFarmStore.OpenSqliteAsync(dir.File("farm.db"), time);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Reservations:RoundInterval"] = "00:00:00.001",
            ["Reservations:RequestRetention"] = "00:01:00",
        }).Build();
        await using var provider = Services(store, time, configuration).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.That(error!.Failures, Has.Count.EqualTo(2));
        Assert.That(error.Message, Does.Contain("RoundInterval must be 00:00:00.0500000 to 00:05:00, was 00:00:00.0010000"));
        Assert.That(error.Message, Does.Contain("RequestRetention must be 01:00:00 to 3650.00:00:00, was 00:01:00"));
    }
}
