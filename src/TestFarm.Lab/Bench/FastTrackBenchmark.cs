using TestFarm.Core.Bmc;
using TestFarm.Core.Hardware;
using TestFarm.Core.Pool;
using TestFarm.Core.Provisioning;
using TestFarm.Lab.Machines;
using TestFarm.Provisioning.Bench;
using TestFarm.Provisioning.Boot;
using TestFarm.Provisioning.Cleaning;
using TestFarm.Provisioning.Reimage;

namespace TestFarm.Lab.Bench;

/// <summary>Grant → verified boot of one simulated machine, the full way and fast-tracked, in clock seconds.</summary>
public sealed record FastTrackBenchResult(TimeSpan Full, TimeSpan Fast, ProvisioningOutcome FullOutcome, ProvisioningOutcome CleanOutcome, ProvisioningOutcome FastOutcome)
{
    /// <summary>Fast track over full path; the target is ≤ 0.3.</summary>
    public double Ratio => Fast / Full;
}

/// <summary>
/// One lab simulated machine (POST from the profile, the lab's default OS boot time) behind the in-process BMC,
/// with an in-process agent that answers the farm's boot sessions: it boots a build the full way (power-off,
/// override, POST, network boot, callback, verify), is cleaned after a trusted lease and left in its agent, then
/// the same build is fast-tracked (agent write, kexec, callback, verify). Times are read on <paramref name="time"/>.
/// </summary>
public static class FastTrackBenchmark
{
    private const string Mac = "52:54:00:fa:57:01";

    public static async Task<FastTrackBenchResult> RunAsync(HardwareProfile postFrom, TimeProvider time, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(postFrom);
        var profile = BenchProfile with { Firmware = new FirmwareSpec { PostSeconds = postFrom.Firmware.PostSeconds }, Boot = BenchProfile.Boot with { FastTrack = postFrom.Boot.FastTrack } };
        var sessions = new BootSessions(time);
        var policy = new ProvisioningPolicy();
        var reimager = new Reimager(sessions, new BootServiceOptions { PublicBaseUrl = new Uri("http://127.0.0.1:1") }, policy, time);
        var cleaner = new Cleaner(sessions, reimager, policy, time);
        var machine = new SimulatedMachine(time, SimulatedTimings.Default.WithPostOf(profile));
        await using var bmc = new MachineBmcClient(machine, new ObservedHardware(), time);
        using var agent = new BenchAgent(machine, sessions);
        var pool = new PoolMachine
        {
            Id = "bench-fast-1", Profile = profile.Name, ProvisioningMac = Mac,
            Bmc = new BmcEndpoint { Url = new Uri("http://127.0.0.1/bmc/bench-fast-1"), Credentials = new CredentialReference() },
        };
        var image = new BootImage
        {
            Name = "lab", BuildId = "bench-build",
            Artifacts =
            [
                new ImageArtifact { Name = "vmlinuz", Kind = ArtifactKind.Kernel, Sha256 = new string('a', 64) },
                new ImageArtifact { Name = "initrd.img", Kind = ArtifactKind.Initrd, Sha256 = new string('b', 64) },
            ],
        };
        // The machine runs its previous tenant's OS from disk when it is granted.
        await machine.PowerOnAsync(new BootRequest(BootDevice.Hdd), cancellationToken);

        var started = time.GetTimestamp();
        var full = await reimager.ReimageAsync(bmc, new ReimageRequest { Machine = pool, Profile = profile, Image = image, TrustedBuild = true }, cancellationToken);
        var fullTime = time.GetElapsedTime(started);
        var clean = await cleaner.CleanAsync(bmc, new CleanRequest { Machine = pool, Profile = profile, StayInAgent = true }, cancellationToken);

        var state = new MachineImageState { AgentResident = clean.AgentResident, LastLeaseTrusted = true, LastLeaseClean = clean.Ok };
        started = time.GetTimestamp();
        var fast = await reimager.ReimageAsync(bmc, new ReimageRequest { Machine = pool, Profile = profile, Image = image, State = state, TrustedBuild = true }, cancellationToken);
        return new FastTrackBenchResult(fullTime, time.GetElapsedTime(started), full, clean, fast);
    }

    /// <summary>The boot bench's one-core virtio machine, with the POST and fast-track rule of the profile asked for.</summary>
    private static readonly HardwareProfile BenchProfile = BootBenchmark.Profile with { Name = "bench-sim" };

    /// <summary>
    /// The lab image's agent reduced to its protocol with the boot sessions: when the OS it network-booted (or
    /// kexec'd) runs, it fetches its script by MAC and calls back; it wipes on request and kexecs on request.
    /// </summary>
    private sealed class BenchAgent : IDisposable
    {
        private readonly SimulatedMachine _machine;
        private readonly BootSessions _sessions;
        private MachinePhase _last;
        /// <summary>The image the agent fetched and wrote before it kexec'd; the new kernel calls back with its token.</summary>
        private BootTicket? _written;

        public BenchAgent(SimulatedMachine machine, BootSessions sessions)
        {
            _machine = machine;
            _sessions = sessions;
            machine.Changed += OnChanged;
            sessions.ActionQueued += OnAction;
        }

        private void OnChanged(SimulatedMachine m)
        {
            var phase = m.Phase;
            var reached = phase == MachinePhase.Running && _last != MachinePhase.Running;
            _last = phase;
            if (!reached || m.CurrentBoot != BootDevice.Pxe) return;
            var ticket = Interlocked.Exchange(ref _written, null) ?? _sessions.PendingForMac(Mac);
            if (ticket is null) return;
            _sessions.AcceptBooted(new AgentBootedReport
            {
                Token = ticket.Token, BuildId = ticket.Image.BuildId, Macs = [Mac],
                Cpu = new AgentCpu { Count = 1, Sockets = 1 }, MemoryKiB = 1024 * 1024,
                Nics = [new AgentNic { Name = "eth0", Mac = Mac, Driver = "virtio_net", SpeedMbps = 1000 }],
                Disks = [new AgentDisk { Name = "vda", SizeBytes = 1_000_000_000, Rotational = true }],
            }, "127.0.0.1");
        }

        private void OnAction(string machineId, AgentAction action)
        {
            if (action.Kind == "wipe") _sessions.AcceptCleaned(new AgentCleanedReport { Token = action.Token, Wiped = ["vda"] }, "127.0.0.1");
            else if (action.Kind == "kexec" && _sessions.PendingForMac(Mac) is { } ticket)
            {
                _written = ticket;
                _ = _machine.KexecAsync();
            }
        }

        public void Dispose()
        {
            _machine.Changed -= OnChanged;
            _sessions.ActionQueued -= OnAction;
        }
    }
}
