using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TestFarm.Core.Bmc;
using TestFarm.Core.Hardware;
using TestFarm.Core.Pool;
using TestFarm.Core.Provisioning;
using TestFarm.Provisioning.Boot;
using TestFarm.Provisioning.Reimage;

namespace TestFarm.Provisioning.Cleaning;

/// <summary>What to clean and how.</summary>
public sealed record CleanRequest
{
    public required PoolMachine Machine { get; init; }
    public required HardwareProfile Profile { get; init; }
    /// <summary>The lease ran untrusted code: the wipe is mandatory.</summary>
    public bool Untrusted { get; init; }
    /// <summary>Booted to wipe when the machine's agent is not running (the lab image serves the wipe).</summary>
    public BootImage? CleaningImage { get; init; }
    public Func<CancellationToken, Task>? Heartbeat { get; init; }
    /// <summary>
    /// Leave the machine powered in its agent after a trusted lease's wipe (when the profile allows fast track),
    /// so the next trusted build is kexec'd without a POST. Ignored after an untrusted lease: that one powers off.
    /// </summary>
    public bool StayInAgent { get; init; }
}

/// <summary>
/// Cleans a machine on release: wipe its disks through the boot agent (booting the cleaning image
/// first if no agent runs), clear the boot override, power off, heartbeat all along. Only a
/// <see cref="ProvisioningStatus.Succeeded"/> outcome makes the machine Available again.
/// </summary>
public sealed class Cleaner(BootSessions sessions, Reimager reimager, ProvisioningPolicy policy, TimeProvider time, ILogger<Cleaner>? logger = null)
{
    private readonly ILogger _log = logger ?? NullLogger<Cleaner>.Instance;

    public async Task<ProvisioningOutcome> CleanAsync(IBmcClient bmc, CleanRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bmc);
        ArgumentNullException.ThrowIfNull(request);
        var id = request.Machine.Id;
        var phases = new List<Core.Results.PhaseTiming>();
        ProvisioningOutcome outcome;
        var resident = false;
        try
        {
            if (sessions.LiveSessionOf(id, policy.AgentSilence) is null && request.CleaningImage is { } image)
            {
                // No agent to ask (never booted, or silent since a power cycle): boot the cleaning image (never fast-tracked).
                var boot = await reimager.ReimageAsync(bmc, new ReimageRequest
                {
                    Machine = request.Machine, Profile = request.Profile, Image = image, Heartbeat = request.Heartbeat,
                }, cancellationToken);
                phases.AddRange(boot.Phases);
                if (boot.Status == ProvisioningStatus.Failed)
                    return Done(boot with { Phases = phases });
            }
            await using var run = new PhaseRunner(id, policy, time, _log, request.Heartbeat, cancellationToken);
            try
            {
                var wipedByAgent = await WipeAsync(request, run);
                await run.RunAsync(ProvisioningPhase.ClearOverride, HealthComponent.Bmc, async (_, ct) =>
                {
                    await bmc.SetOneTimeBootAsync(BootTarget.None, BootModeRequest.Unchanged, ct);
                    var readBack = await bmc.GetBootOverrideAsync(ct);
                    if (!string.Equals(readBack.Enabled, "Disabled", StringComparison.OrdinalIgnoreCase)
                        && !string.Equals(readBack.Target, "None", StringComparison.OrdinalIgnoreCase))
                        throw new PhaseFailedException(ProvisioningPhase.ClearOverride,
                            $"boot override still set: {readBack.Enabled}/{readBack.Target}", HealthComponent.Bmc);
                    try { await bmc.EjectVirtualMediaAsync(ct); }
                    catch (BmcException e) when (e.Kind == BmcErrorKind.Unsupported) { /* no virtual media on this BMC */ }
                });
                resident = wipedByAgent && request.StayInAgent && !request.Untrusted && request.Profile.Boot.FastTrack
                    && sessions.LiveSessionOf(id, policy.AgentSilence) is not null;
                if (!resident) await Reimager.PowerOffAsync(bmc, run, ProvisioningPhase.PowerOffAfterClean);
                outcome = new ProvisioningOutcome { MachineId = id, Status = ProvisioningStatus.Succeeded, AgentResident = resident };
            }
            catch (PhaseFailedException e)
            {
                outcome = new ProvisioningOutcome { MachineId = id, Status = ProvisioningStatus.Failed, FailedPhase = e.Phase, Blamed = e.Blamed, Error = e.Reason };
            }
            phases.AddRange(run.Snapshot());
        }
        finally
        {
            if (!resident) sessions.CloseSession(id);
        }
        return Done(outcome with { Phases = phases });
    }

    /// <summary>True when a running agent wiped the disks (false: a trusted lease with no agent, nothing wiped).</summary>
    private async Task<bool> WipeAsync(CleanRequest request, PhaseRunner run)
    {
        var id = request.Machine.Id;
        return await run.RunAsync(ProvisioningPhase.Wipe, HealthComponent.Disk, async (deadline, ct) =>
        {
            var action = sessions.RequestWipe(id, deadline);
            if (action is null)
            {
                if (request.Untrusted)
                    throw new PhaseFailedException(ProvisioningPhase.Wipe,
                        "no agent runs on the machine and no cleaning image was given; the wipe after an untrusted lease is mandatory", HealthComponent.Agent);
                return false; // trusted lease, no agent: the next reimage overwrites the machine
            }
            var report = await action.Completed.WaitAsync(ct);
            if (report.Failed.Count > 0)
                throw new PhaseFailedException(ProvisioningPhase.Wipe, $"wipe failed on {string.Join(", ", report.Failed)}", HealthComponent.Disk);
            return true;
        }, policy.Wipe with { Retries = 0 });
    }

    private ProvisioningOutcome Done(ProvisioningOutcome outcome)
    {
        Log.Cleaned(_log, outcome.MachineId, outcome.Status, outcome.FailedPhase);
        return outcome;
    }
}
