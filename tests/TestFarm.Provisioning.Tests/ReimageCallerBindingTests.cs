using TestFarm.Core.Provisioning;
using TestFarm.Provisioning.Boot;
using TestFarm.Testing.Provisioning;

namespace TestFarm.Provisioning.Tests;

/// <summary>
/// The reimager binds each boot ticket to the machine's <c>address</c> label when it is an IP address (a DHCP reservation):
/// the machine's script fetch and callback from that address are accepted, from any other the script is refused and the
/// reimage fails at network boot; with no address (or a host name) the ticket is bound to the MAC only.
/// </summary>
public sealed class ReimageCallerBindingTests : FaultTestBase
{
    [Test]
    public async Task A_callback_from_the_machines_own_address_is_accepted()
    {
        var sim = Machine(address: "10.20.0.9", callsFrom: "10.20.0.9");

        var outcome = await Drive(Reimager.ReimageAsync(Bmc, Request() with { Machine = sim.Machine }));

        Assert.That(outcome.Status, Is.EqualTo(ProvisioningStatus.Succeeded), outcome.Error);
        Assert.That(sim.Booted, Is.EqualTo(TokenCheck.Accepted));
    }

    [Test]
    public async Task A_machine_calling_from_another_address_is_refused_its_script_and_the_reimage_fails_at_network_boot()
    {
        var sim = Machine(address: "10.20.0.9", callsFrom: "10.20.0.66");

        var outcome = await Drive(Reimager.ReimageAsync(Bmc, Request() with { Machine = sim.Machine }));

        Assert.That(sim.LastToken, Is.Null, "the script (and its token) is refused to another address");
        Assert.That(sim.Booted, Is.Null);
        Assert.That(outcome.Status, Is.EqualTo(ProvisioningStatus.Failed));
        Assert.That(outcome.FailedPhase, Is.EqualTo(ProvisioningPhase.NetworkBoot));
    }

    [TestCase(null)]
    [TestCase("node-9.rack.example")]
    public async Task Without_an_ip_address_label_the_ticket_binds_to_the_mac_only(string? address)
    {
        var sim = Machine(address, callsFrom: "10.20.0.66");

        var outcome = await Drive(Reimager.ReimageAsync(Bmc, Request() with { Machine = sim.Machine }));

        Assert.That(outcome.Status, Is.EqualTo(ProvisioningStatus.Succeeded), outcome.Error);
        Assert.That(sim.Booted, Is.EqualTo(TokenCheck.Accepted));
    }

    private SimulatedMachine Machine(string? address, string callsFrom)
    {
        var machine = ProvisioningSamples.Machine();
        var labels = new Dictionary<string, string>(machine.Labels, StringComparer.Ordinal);
        if (address is not null) labels["address"] = address;
        // The last simulated machine made answers the fake BMC's power-on.
        return new SimulatedMachine(Bmc, Sessions, machine with { Labels = labels }) { CallsFrom = callsFrom };
    }
}
