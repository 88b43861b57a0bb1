using TestFarm.Core.Bmc;
using TestFarm.Core.Provisioning;
using TestFarm.Provisioning.Boot;
using TestFarm.Provisioning.Cleaning;
using TestFarm.Provisioning.Reimage;
using TestFarm.Testing;
using TestFarm.Testing.Bmc;
using TestFarm.Testing.Provisioning;

namespace TestFarm.Provisioning.Tests;

/// <summary>Fake BMC + simulated machine + fake clock, and a driver that advances time until a task ends.</summary>
public abstract class FaultTestBase
{
    private protected FakeTimeProvider Time = null!;
    private protected BootSessions Sessions = null!;
    private protected FakeBmcClient Bmc { get; private set; } = null!;
    private protected SimulatedMachine Sim = null!;
    private protected Reimager Reimager = null!;
    private protected Cleaner Cleaner = null!;
    private protected int Beats;

    private protected static readonly ProvisioningPolicy Policy = new()
    {
        PowerOff = new PhasePolicy { Deadline = TimeSpan.FromSeconds(60), Retries = 2, Backoff = TimeSpan.FromSeconds(2) },
        OverrideSet = new PhasePolicy { Deadline = TimeSpan.FromSeconds(30), Retries = 2, Backoff = TimeSpan.FromSeconds(2) },
        Post = new PhasePolicy { Deadline = TimeSpan.FromSeconds(60), Retries = 2, Backoff = TimeSpan.FromSeconds(2) },
        NetworkBoot = new PhasePolicy { Deadline = TimeSpan.FromMinutes(5) },
        AgentCallback = new PhasePolicy { Deadline = TimeSpan.FromMinutes(10) },
        Wipe = new PhasePolicy { Deadline = TimeSpan.FromMinutes(10) },
        HeartbeatInterval = TimeSpan.FromSeconds(15),
    };

    [SetUp]
    public void CreateFarm()
    {
        Time = new FakeTimeProvider(FakeTimeProviderExtensions.Start);
        Sessions = new BootSessions(Time);
        Bmc = new FakeBmcClient { Power = PowerState.On };
        Sim = new SimulatedMachine(Bmc, Sessions, ProvisioningSamples.Machine());
        var boot = new BootServiceOptions { PublicBaseUrl = new Uri("http://10.0.2.2:8080") };
        Reimager = new Reimager(Sessions, boot, Policy, Time);
        Cleaner = new Cleaner(Sessions, Reimager, Policy, Time);
        Beats = 0;
    }

    private protected ReimageRequest Request(BootImage? image = null, Core.Hardware.HardwareProfile? profile = null, MachineImageState? state = null) => new()
    {
        Machine = Sim.Machine,
        Profile = profile ?? ProvisioningSamples.QemuProfile,
        Image = image ?? ProvisioningSamples.Image(),
        State = state ?? MachineImageState.Unknown,
        Heartbeat = _ => { Interlocked.Increment(ref Beats); return Task.CompletedTask; },
    };

    /// <summary>Advances fake time in steps until <paramref name="task"/> completes (bounded), then returns its result.</summary>
    private protected async Task<T> Drive<T>(Task<T> task, TimeSpan? step = null, int maxSteps = 10_000)
    {
        for (var i = 0; i < maxSteps && !task.IsCompleted; i++)
            Time.Advance(step ?? TimeSpan.FromSeconds(1));
        return await task.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
