using System.Net;
using TestFarm.Lab.Bmc;
using TestFarm.Lab.LabHost;
using TestFarm.Lab.Machines;
using TestFarm.Testing;

namespace TestFarm.Lab.Tests.Machines;

/// <summary>The simulated backend's power and boot state machine on a fake clock.</summary>
public sealed class SimulatedMachineTests
{
    private static readonly SimulatedTimings Timings = new() { Post = TimeSpan.FromSeconds(20), Boot = TimeSpan.FromSeconds(40), Shutdown = TimeSpan.FromSeconds(10) };

    [Test]
    public async Task Power_on_goes_through_post_and_boot_on_the_clock()
    {
        var time = new FakeTimeProvider();
        await using var machine = new SimulatedMachine(time, Timings);
        await machine.PowerOnAsync(new BootRequest(BootDevice.Pxe));
        Assert.That((machine.PowerState, machine.Phase, machine.CurrentBoot), Is.EqualTo((MachinePowerState.PoweringOn, MachinePhase.Post, BootDevice.Pxe)));
        time.Advance(TimeSpan.FromSeconds(19));
        Assert.That(machine.PowerState, Is.EqualTo(MachinePowerState.PoweringOn));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.That((machine.PowerState, machine.Phase), Is.EqualTo((MachinePowerState.On, MachinePhase.Booting)));
        time.Advance(TimeSpan.FromSeconds(40));
        Assert.That(machine.Phase, Is.EqualTo(MachinePhase.Running));
    }

    [Test]
    public async Task Force_off_during_post_cancels_the_pending_steps()
    {
        var time = new FakeTimeProvider();
        await using var machine = new SimulatedMachine(time, Timings);
        await machine.PowerOnAsync(BootRequest.Disk);
        time.Advance(TimeSpan.FromSeconds(5));
        await machine.PowerOffAsync(graceful: false);
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.That((machine.PowerState, machine.Phase), Is.EqualTo((MachinePowerState.Off, MachinePhase.Off)));
    }

    [Test]
    public async Task Graceful_shutdown_is_powering_off_until_the_shutdown_time_passes()
    {
        var time = new FakeTimeProvider();
        await using var machine = new SimulatedMachine(time, Timings);
        await machine.PowerOnAsync(BootRequest.Disk);
        time.Advance(TimeSpan.FromMinutes(1));
        await machine.PowerOffAsync(graceful: true);
        Assert.That(machine.PowerState, Is.EqualTo(MachinePowerState.PoweringOff));
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.That(machine.PowerState, Is.EqualTo(MachinePowerState.Off));
    }

    [Test]
    public async Task Pxe_once_through_redfish_is_consumed_by_the_next_power_on_only()
    {
        var time = new FakeTimeProvider();
        await using var lab = await VirtualLab.StartAsync(new LabOptions { SimulatedMachines = 1, Password = "lab-secret", DefaultTimings = Timings }, [], time);
        var bmc = lab.Machines[0];
        using var http = LabHttp.Client(bmc.Url);
        var sys = $"{VirtualBmc.RootPath}/Systems/1";
        await http.PatchAsync(sys, LabHttp.Json("""{"Boot":{"BootSourceOverrideTarget":"Pxe","BootSourceOverrideEnabled":"Once"}}"""));
        Assert.That((await http.PostAsync($"{sys}/Actions/ComputerSystem.Reset", LabHttp.Json("""{"ResetType":"On"}"""))).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(bmc.Backend.CurrentBoot, Is.EqualTo(BootDevice.Pxe));
        var body = await LabHttp.BodyAsync(await http.GetAsync(sys));
        Assert.That(body["PowerState"]!.GetValue<string>(), Is.EqualTo("PoweringOn"));
        Assert.That(body["Boot"]!["BootSourceOverrideEnabled"]!.GetValue<string>(), Is.EqualTo("Disabled"));
        time.Advance(TimeSpan.FromSeconds(20));
        Assert.That((await LabHttp.BodyAsync(await http.GetAsync(sys)))["PowerState"]!.GetValue<string>(), Is.EqualTo("On"));

        await http.PostAsync($"{sys}/Actions/ComputerSystem.Reset", LabHttp.Json("""{"ResetType":"ForceRestart"}"""));
        Assert.That(bmc.Backend.CurrentBoot, Is.EqualTo(BootDevice.Hdd), "the override was one-time");
    }

    [Test]
    public async Task Simple_update_answers_202_with_a_task_monitor_that_completes_on_the_clock()
    {
        var time = new FakeTimeProvider();
        await using var lab = await VirtualLab.StartAsync(new LabOptions { SimulatedMachines = 1, Password = "lab-secret" }, [], time);
        var bmc = lab.Machines[0];
        using var http = LabHttp.Client(bmc.Url);
        var start = await http.PostAsync($"{VirtualBmc.RootPath}/UpdateService/Actions/UpdateService.SimpleUpdate", LabHttp.Json("""{"ImageURI":"http://127.0.0.1:9/fw.bin"}"""));
        Assert.That(start.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var monitor = start.Headers.Location!.OriginalString;
        Assert.That(monitor, Does.StartWith($"{VirtualBmc.RootPath}/TaskService/TaskMonitors/"));
        var running = await http.GetAsync(monitor);
        Assert.That(running.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That((await LabHttp.BodyAsync(running))["TaskState"]!.GetValue<string>(), Is.EqualTo("Running"));
        time.Advance(TimeSpan.FromSeconds(30));
        var done = await http.GetAsync(monitor);
        Assert.That(done.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await LabHttp.BodyAsync(done))["TaskState"]!.GetValue<string>(), Is.EqualTo("Completed"));
        var tasks = await LabHttp.BodyAsync(await http.GetAsync($"{VirtualBmc.RootPath}/TaskService/Tasks"));
        Assert.That(tasks["Members@odata.count"]!.GetValue<int>(), Is.EqualTo(1));
    }
}
