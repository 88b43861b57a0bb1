using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TestFarm.Core.Bmc;
using TestFarm.Core.Pool;
using TestFarm.Core.Provisioning;
using TestFarm.Kubernetes.Deploy;
using TestFarm.Orchestration.Adapters;
using TestFarm.Orchestration.Backends;
using TestFarm.Orchestration.Pipeline;
using TestFarm.Redfish.Factory;
using TestFarm.Scenarios.Conformance;

namespace TestFarm.Orchestration.Tests.Backends;

/// <summary>The pool backend as DI builds it: only what differs registered by AddPoolMachines, the phases from the adapters.</summary>
public sealed class PoolMachinesCompositionTests
{
    private static PoolMachinesOptions Options(IReadOnlyList<string>? ranges = null) => new()
    {
        Pool = new PoolInventory(), Profiles = [], DataDirectory = "/data",
        Images = [(new BootImage { Name = "img", BuildId = "build-9" }, "/images/amd64")],
        BootListen = new IPEndPoint(IPAddress.Loopback, 0), KubesprayDirectory = "/opt/kubespray", SonobuoyBinary = "/usr/local/bin/sonobuoy",
        LoadBalancerRanges = ranges ?? ["10.0.0.240-10.0.0.250"], SshUser = "ops",
    };

    [Test]
    public async Task The_pipeline_phases_come_from_the_adapters_over_the_pools_own_deployers_and_images()
    {
        await using var sp = new ServiceCollection().AddPoolMachines(Options()).BuildServiceProvider();
        sp.GetRequiredService<IStartupValidator>().Validate();
        Assert.Throws<InvalidOperationException>(() => sp.GetRequiredService<IMachineProvisioner>(), "the reimager needs the boot service's address: only after start");
        foreach (var start in sp.GetServices<IFarmStart>()) await start.StartAsync(CancellationToken.None); // binds the boot service on 127.0.0.1

        Assert.That(sp.GetRequiredService<IMachineProvisioner>(), Is.InstanceOf<FarmProvisioner>());
        Assert.That(sp.GetRequiredService<IClusterBringUp>(), Is.InstanceOf<KubernetesBringUp>());
        Assert.That(sp.GetRequiredService<ISuiteRunner>(), Is.InstanceOf<ScenarioSuiteRunner>());
        Assert.That(sp.GetRequiredService<IBmcClientFactory>(), Is.InstanceOf<RedfishClientFactory>());
        Assert.That(sp.GetServices<IClusterDeployer>().Select(d => d.Name), Is.EqualTo(new[] { "k3s", "talos", "kubespray" }));
        Assert.That(sp.GetRequiredService<ScenarioExtras>().Sonobuoy, Is.InstanceOf<SonobuoyCliRunner>());
        Assert.That(sp.GetRequiredService<ImageCatalogue>().Images.Single().BuildId, Is.EqualTo("build-9"));
        var machines = sp.GetRequiredService<FarmMachines>();
        Assert.That((machines.BuildId, machines.ArtifactsRoot), Is.EqualTo(("build-9", Path.Combine("/data", "cells"))));
        var bringUp = sp.GetRequiredService<IOptions<BringUpOptions>>().Value;
        Assert.That((bringUp.SshUser, bringUp.AddressRanges.Single()), Is.EqualTo(("ops", "10.0.0.240-10.0.0.250")));
    }

    [Test]
    public async Task The_scenario_engine_gets_an_ssh_node_agent_per_lease_only_when_the_pool_has_node_access()
    {
        await using (var without = new ServiceCollection().AddPoolMachines(Options()).BuildServiceProvider())
        {
            Assert.That((without.GetRequiredService<ScenarioExtras>().LeaseNodeAgents, without.GetRequiredService<ScenarioExtras>().NodeAgent), Is.EqualTo(((ILeaseNodeAgents?)null, (Scenarios.Chaos.INodeAgent?)null)));
        }
        var options = Options() with { Pool = new PoolInventory { Ssh = new SshNodeAccess { User = "ops", KeyFile = "/etc/testfarm/ssh/id_ed25519" } } };
        await using var with = new ServiceCollection().AddPoolMachines(options).BuildServiceProvider();
        var agents = with.GetRequiredService<ScenarioExtras>().LeaseNodeAgents;
        Assert.That(agents, Is.InstanceOf<SshLeaseNodeAgents>());
        Assert.That(((SshLeaseNodeAgents)agents!).KnownHostsFile("lease-7"), Is.EqualTo(Path.Combine("/data", "ssh-known-hosts", "lease-7.known_hosts")));
    }

    [Test]
    public void Bad_bring_up_values_fail_at_start_naming_key_and_value()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["BringUp:NodesReadyTimeout"] = "00:00:00.010",
        }).Build();
        using var sp = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddPoolMachines(Options(ranges: [" "])).BuildServiceProvider();

        var e = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IStartupValidator>().Validate());

        Assert.That(e!.Failures, Is.SupersetOf(new[]
        {
            "BringUp:NodesReadyTimeout must be at least 1000ms, was 10ms",
            "BringUp:AddressRanges:0 must not be empty, was ' '",
        }));
    }
}
