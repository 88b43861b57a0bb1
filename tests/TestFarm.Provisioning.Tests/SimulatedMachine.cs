using TestFarm.Core.Bmc;
using TestFarm.Core.Pool;
using TestFarm.Provisioning.Boot;
using TestFarm.Testing.Bmc;
using TestFarm.Testing.Provisioning;

namespace TestFarm.Provisioning.Tests;

/// <summary>
/// A machine behind a <see cref="FakeBmcClient"/>: at power-on with a network-boot override it
/// fetches its script by MAC (network boot reached) and its agent calls back, synchronously, with the
/// hardware given; it answers wipe actions. Each behaviour can be switched off to make a fault.
/// </summary>
internal sealed class SimulatedMachine
{
    private readonly BootSessions _sessions;

    public SimulatedMachine(FakeBmcClient bmc, BootSessions sessions, PoolMachine machine)
    {
        _sessions = sessions;
        Machine = machine;
        Bmc = bmc;
        bmc.OnPowerOn = PowerOn;
        sessions.ActionQueued += (id, action) =>
        {
            if (id != machine.Id) return;
            if (action.Kind == "kexec") { Kexec(); return; }
            if (AnswersWipe)
                Cleaned = sessions.AcceptCleaned(new AgentCleanedReport { Token = action.Token, Wiped = ["vda"], Failed = WipeFails ? ["vda"] : [] }, CallsFrom);
        };
    }

    public PoolMachine Machine { get; }
    public FakeBmcClient Bmc { get; }
    /// <summary>The address the machine's script fetches and its agent's callbacks come from.</summary>
    public string CallsFrom { get; set; } = "sim";
    public bool FetchesScript { get; set; } = true;
    public bool CallsBack { get; set; } = true;
    public bool AnswersWipe { get; set; } = true;
    public bool WipeFails { get; set; }
    /// <summary>The build id the agent reports; null: the requested one.</summary>
    public string? ReportsBuild { get; set; }
    public List<AgentNic> Nics { get; set; } = [new() { Name = "eth0", Driver = "virtio_net" }];
    public List<AgentDisk> Disks { get; set; } = [new() { Name = "vda", SizeBytes = 1_000_000_000, Rotational = true }];
    public List<BootTarget> Boots { get; } = [];
    /// <summary>Kexecs the resident agent did on request (fast track), with no power cycle.</summary>
    public int Kexecs { get; private set; }
    /// <summary>The build id a kexec'd kernel reports; null: the requested one.</summary>
    public string? KexecReportsBuild { get; set; }
    public TokenCheck? Booted { get; private set; }
    public TokenCheck? Cleaned { get; private set; }
    public string? LastToken { get; private set; }

    private void PowerOn(BootTarget target)
    {
        Boots.Add(target);
        if (target == BootTarget.None || !FetchesScript) return;
        var ticket = _sessions.PendingForMac(Machine.ProvisioningMac, CallsFrom).Ticket;
        if (ticket is null || !CallsBack) return;
        LastToken = ticket.Token;
        Booted = _sessions.AcceptBooted(Report(ticket.Token, ReportsBuild ?? ticket.Image.BuildId), CallsFrom).Check;
    }

    private void Kexec()
    {
        Kexecs++;
        var ticket = _sessions.PendingForMac(Machine.ProvisioningMac, CallsFrom).Ticket;
        if (ticket is null || !CallsBack) return;
        LastToken = ticket.Token;
        Booted = _sessions.AcceptBooted(Report(ticket.Token, KexecReportsBuild ?? ReportsBuild ?? ticket.Image.BuildId), CallsFrom).Check;
    }

    public AgentBootedReport Report(string token, string buildId) => new()
    {
        Token = token,
        BuildId = buildId,
        Macs = [Machine.ProvisioningMac],
        Cpu = new AgentCpu { Count = 1, Sockets = 1 },
        MemoryKiB = 1024 * 1024,
        Nics = [.. Nics.Select((n, i) => n with { Mac = i == 0 ? Machine.ProvisioningMac : $"52:54:00:00:00:{i:x2}" })],
        Disks = Disks,
    };
}
