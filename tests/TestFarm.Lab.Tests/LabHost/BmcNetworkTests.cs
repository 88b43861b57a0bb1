using System.Net;
using System.Net.Sockets;
using TestFarm.Lab.Bmc;
using TestFarm.Lab.LabHost;
using TestFarm.Lab.Machines;
using TestFarm.Testing;

namespace TestFarm.Lab.Tests.LabHost;

/// <summary>Each virtual BMC on its own loopback address, as a rack's BMC network has one IP per BMC.</summary>
public sealed class BmcNetworkTests
{
    [Test]
    public void The_default_range_holds_1022_bmcs_from_127_0_100_1_on()
    {
        var network = BmcNetwork.TryParse(BmcNetwork.Default, 1022, out var error);
        Assert.That(error, Is.Null);
        Assert.That(network!.Capacity, Is.EqualTo(1022));
        Assert.That((network[1].ToString(), network[2].ToString(), network[1022].ToString()), Is.EqualTo(("127.0.100.1", "127.0.100.2", "127.0.103.254")));
        Assert.That(() => network[1023], Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [TestCase("10.0.0.0/24", "BmcNetwork must lie inside 127.0.0.0/8 (loopback), was 10.0.0.0/24")]
    [TestCase("127.0.0.0/24", "BmcNetwork 127.0.0.0/24 holds 127.0.0.1, where the lab's admin API and boot service listen; pick a range such as 127.0.100.0/22")]
    [TestCase("127.0.8.0/21", "BmcNetwork 127.0.8.0/21 overlaps the lab's MetalLB range 127.0.10.0/24; pick a range such as 127.0.100.0/22")]
    [TestCase("127.0.10.128/25", "BmcNetwork 127.0.10.128/25 overlaps the lab's MetalLB range 127.0.10.0/24; pick a range such as 127.0.100.0/22")]
    [TestCase("127.0.100.1/22", "BmcNetwork must be an IPv4 range with its host bits zero, like 127.0.100.0/22; was '127.0.100.1/22'")]
    [TestCase("nonsense", "BmcNetwork must be an IPv4 range with its host bits zero, like 127.0.100.0/22; was 'nonsense'")]
    [TestCase("127.0.100.0/31", "BmcNetwork must be a /8../30 range, was 127.0.100.0/31")]
    [TestCase("127.0.100.0/30", "BmcNetwork 127.0.100.0/30 has room for 2 BMCs, 3 machines asked; widen it (a /29 holds them)")]
    public void A_wrong_range_is_refused_naming_the_option_and_the_value(string range, string message)
    {
        var errors = new LabOptions { SimulatedMachines = 3, Password = "p", BmcNetwork = range }.Validate();
        Assert.That(errors, Is.EqualTo(new[] { message }));
    }

    [Test]
    public async Task A_configured_range_puts_every_bmc_there_and_each_answers_only_for_itself()
    {
        await using var lab = await VirtualLab.StartAsync(
            new LabOptions { SimulatedMachines = 3, Password = "lab-secret", BmcNetwork = "127.0.200.0/24" }, [], new FakeTimeProvider());
        Assert.That(lab.Machines.Select(m => m.Url.Authority), Is.EqualTo(new[] { 1, 2, 3 }.Select(n => $"127.0.200.{n}:{lab.BaseAddress.Port}")));
        foreach (var m in lab.Machines)
        {
            using var http = LabHttp.Client(m.Url);
            var system = await LabHttp.BodyAsync(await http.GetAsync($"{VirtualBmc.RootPath}/Systems/1"));
            Assert.That(system["Name"]!.GetValue<string>(), Is.EqualTo(m.Id), $"{m.Url} answers as its own machine");
            Assert.That(system["@odata.id"]!.GetValue<string>(), Is.EqualTo("/redfish/v1/Systems/1"));
        }
    }

    [Test]
    public async Task Two_labs_on_the_default_range_take_different_ports_and_do_not_mix()
    {
        await using var first = await VirtualLab.StartAsync(new LabOptions { SimulatedMachines = 2, Password = "lab-secret" }, [], new FakeTimeProvider());
        await using var second = await VirtualLab.StartAsync(new LabOptions { SimulatedMachines = 2, Password = "lab-secret" }, [], new FakeTimeProvider());
        Assert.That(second.BaseAddress.Port, Is.Not.EqualTo(first.BaseAddress.Port));
        Assert.That(second.Machines[0].Address, Is.EqualTo(first.Machines[0].Address));

        using (var http = LabHttp.Client(second.Machines[0].Url))
            await http.PostAsync($"{VirtualBmc.RootPath}/Systems/1/Actions/ComputerSystem.Reset", LabHttp.Json("""{"ResetType":"On"}"""));
        Assert.That(second.Machines[0].Backend.PowerState, Is.Not.EqualTo(MachinePowerState.Off));
        Assert.That(first.Machines[0].Backend.PowerState, Is.EqualTo(MachinePowerState.Off), "the other lab's BMC at the same address was not touched");
    }

    [Test]
    public async Task A_given_port_taken_on_a_bmc_address_fails_naming_that_address()
    {
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        squatter.Bind(new IPEndPoint(IPAddress.Parse("127.0.201.2"), 0));
        squatter.Listen();
        var port = ((IPEndPoint)squatter.LocalEndPoint!).Port;
        var start = () => VirtualLab.StartAsync(
            new LabOptions { SimulatedMachines = 2, Password = "lab-secret", BmcNetwork = "127.0.201.0/24", Port = port }, [], new FakeTimeProvider());
        Assert.That(async () => await (await start()).DisposeAsync(),
            Throws.InstanceOf<IOException>().With.Message.Contains($"127.0.201.2:{port}"));
    }
}
