using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TestFarm.Core.Bmc;
using TestFarm.Core.Hardware;
using TestFarm.Core.Provisioning;
using TestFarm.Provisioning.Boot;

namespace TestFarm.Provisioning.Reimage;

/// <summary>
/// Reimages one machine through its BMC: power off, one-time boot override (read back), power on,
/// watch the network boot reach the boot service, wait for the agent's callback, verify build id and
/// hardware. Falls back pxe → http → virtual-media when a method's override is refused. Returns a
/// typed outcome; never throws for farm or machine faults.
/// </summary>
public sealed class Reimager(BootSessions sessions, BootServiceOptions boot, ProvisioningPolicy policy, TimeProvider time, ILogger<Reimager>? logger = null)
{
    private readonly ILogger _log = logger ?? NullLogger<Reimager>.Instance;

    public ProvisioningPolicy Policy => policy;

    public async Task<ProvisioningOutcome> ReimageAsync(IBmcClient bmc, ReimageRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bmc);
        ArgumentNullException.ThrowIfNull(request);
        var machine = request.Machine;
        var started = time.GetTimestamp();
        if (FastTrack.CanSkip(request.State, request.Image))
        {
            Log.FastTracked(_log, machine.Id, request.Image.Digest);
            return new ProvisioningOutcome { MachineId = machine.Id, Status = ProvisioningStatus.FastTracked, ImageDigest = request.Image.Digest, Path = BootPath.Skipped };
        }

        await using var run = new PhaseRunner(machine.Id, policy, time, _log, request.Heartbeat, cancellationToken);
        var failed = new List<BootMethod>();
        ProvisioningOutcome? outcome = null;
        if (FastTrack.CanKexec(request.State, request.TrustedBuild, request.Profile.Boot.FastTrack)
            && sessions.LiveSessionOf(machine.Id, policy.AgentSilence) is not null)
        {
            outcome = await KexecAsync(request, run);
            if (outcome is not { Ok: true })
            {
                // The agent did not take it (or booted the wrong thing): the full path decides.
                Log.KexecFallback(_log, machine.Id, outcome?.Error ?? "fast track refused");
                outcome = null;
            }
        }
        while (outcome is null)
        {
            var method = BootMethodChoice.Candidates(request.Profile, request.Image, failed).FirstOrDefault((BootMethod)(-1));
            if ((int)method < 0)
            {
                outcome = Failure(machine.Id, ProvisioningPhase.OverrideSet, HealthComponent.Boot, null,
                    failed.Count == 0 ? $"profile {request.Profile.Name} declares no boot method the image {request.Image.Name} can serve"
                                      : $"every boot method failed: {string.Join(", ", failed)}");
                break;
            }
            try
            {
                outcome = await BootOnceAsync(bmc, request, method, run);
            }
            catch (MethodUnusableException e)
            {
                Log.MethodFallback(_log, machine.Id, method, e.Message);
                failed.Add(method);
            }
            catch (PhaseFailedException e)
            {
                outcome = Failure(machine.Id, e.Phase, e.Blamed, method, e.Reason);
            }
        }
        if (!outcome.Ok) await PowerOffQuietlyAsync(bmc);
        var elapsed = time.GetElapsedTime(started);
        Log.Reimaged(_log, machine.Id, outcome.Status, outcome.FailedPhase, elapsed);
        return outcome with { Phases = run.Snapshot() };
    }

    /// <summary>
    /// Fast track: the resident agent fetches and writes the image (<c>agent-write</c>), kexecs it and the new kernel
    /// calls back (<c>kexec</c>), then <c>verify</c>. No BMC call, so no power cycle and no firmware POST.
    /// </summary>
    private async Task<ProvisioningOutcome?> KexecAsync(ReimageRequest request, PhaseRunner run)
    {
        var machine = request.Machine;
        var method = BootMethodChoice.Candidates(request.Profile, request.Image, []).FirstOrDefault(BootMethod.Pxe);
        var ticket = sessions.Issue(machine.Id, machine.ProvisioningMac, request.Image, method, policy.TokenLifetime, ExpectedCaller(machine));
        try
        {
            AgentAction? action = null;
            await run.RunAsync(ProvisioningPhase.AgentWrite, HealthComponent.Agent, async (deadline, ct) =>
            {
                action = sessions.RequestKexec(machine.Id, deadline + policy.AgentCallback.Deadline)
                    ?? throw new PhaseFailedException(ProvisioningPhase.AgentWrite, "the resident agent's session closed", HealthComponent.Agent);
                await UnlessRefusedAsync(ticket.Fetched, action, ProvisioningPhase.AgentWrite, ct);
            }, policy.NetworkBoot with { Retries = 0 });
            var report = await run.RunAsync(ProvisioningPhase.Kexec, HealthComponent.Agent, async (_, ct) =>
            {
                await UnlessRefusedAsync(ticket.Booted, action!, ProvisioningPhase.Kexec, ct);
                return await ticket.Booted;
            }, policy.AgentCallback with { Retries = 0 });
            var verified = Verify(request, method, report, run);
            return verified with { Path = BootPath.FastTrack };
        }
        catch (PhaseFailedException e)
        {
            return Failure(machine.Id, e.Phase, e.Blamed, method, e.Reason);
        }
        finally
        {
            sessions.Revoke(ticket);
        }
    }

    /// <summary>
    /// Waits for <paramref name="step"/>, unless the agent reports first that it could not kexec (its action report
    /// lists why in <c>failed</c>): then the phase fails at once with the agent's reason instead of at its deadline.
    /// </summary>
    private static async Task UnlessRefusedAsync(Task step, AgentAction action, ProvisioningPhase phase, CancellationToken ct)
    {
        var first = await Task.WhenAny(step, action.Completed).WaitAsync(ct);
        if (first == step) { await step; return; }
        if (step.IsCompleted) return;
        var refused = action.Completed.IsCompletedSuccessfully ? string.Join("; ", action.Completed.Result.Failed) : "the action was cancelled";
        throw new PhaseFailedException(phase, $"the agent could not kexec: {refused}", HealthComponent.Agent);
    }

    /// <summary>
    /// The address the machine calls the boot service from, when the pool gives one: its <c>address</c> label, if that is an
    /// IP address (a DHCP reservation). The ticket is then bound to it: scripts by MAC and the agent's callbacks from any
    /// other address are refused and audited. No label (QEMU user networking, shared NAT): the ticket binds to the MAC only.
    /// </summary>
    private static string? ExpectedCaller(Core.Pool.PoolMachine machine) =>
        machine.Labels.TryGetValue("address", out var address) && System.Net.IPAddress.TryParse(address, out _) ? address : null;

    private async Task<ProvisioningOutcome> BootOnceAsync(IBmcClient bmc, ReimageRequest request, BootMethod method, PhaseRunner run)
    {
        var machine = request.Machine;
        await PowerOffAsync(bmc, run, ProvisioningPhase.PowerOff);
        var ticket = sessions.Issue(machine.Id, machine.ProvisioningMac, request.Image, method, policy.TokenLifetime, ExpectedCaller(machine));
        try
        {
            await SetOverrideAsync(bmc, request, method, ticket, run);
            await run.RunAsync(ProvisioningPhase.Post, HealthComponent.Power, async (deadline, ct) =>
            {
                await bmc.ResetAsync(PowerIntent.On, ct);
                await bmc.WaitForPowerStateAsync(PowerState.On, deadline, ct);
            });
            await run.RunAsync(ProvisioningPhase.NetworkBoot, method == BootMethod.VirtualMedia ? HealthComponent.Boot : HealthComponent.Nic,
                (_, ct) => ticket.Fetched.WaitAsync(ct), policy.NetworkBoot with { Retries = 0 });
            var report = await run.RunAsync(ProvisioningPhase.AgentCallback, HealthComponent.Agent,
                (_, ct) => ticket.Booted.WaitAsync(ct), policy.AgentCallback with { Retries = 0 });
            return Verify(request, method, report, run) with { Path = BootPath.Full };
        }
        finally
        {
            sessions.Revoke(ticket);
            if (method == BootMethod.VirtualMedia) await EjectQuietlyAsync(bmc);
        }
    }

    private async Task SetOverrideAsync(IBmcClient bmc, ReimageRequest request, BootMethod method, BootTicket ticket, PhaseRunner run)
    {
        var target = method switch { BootMethod.Pxe => BootTarget.Pxe, BootMethod.Http => BootTarget.UefiHttp, _ => BootTarget.Cd };
        var mode = BootMethodChoice.Mode(request.Profile) == BootMode.Uefi ? BootModeRequest.Uefi : BootModeRequest.Legacy;
        try
        {
            await run.RunAsync(ProvisioningPhase.OverrideSet, HealthComponent.Bmc, async (_, ct) =>
            {
                if (method == BootMethod.VirtualMedia)
                {
                    var iso = request.Image.Artifact(ArtifactKind.Iso)!;
                    await bmc.InsertVirtualMediaAsync(new Uri(IpxeScript.ArtifactUrl(boot.PublicBaseUrl, iso) + "?token=" + ticket.Token), ct);
                }
                await bmc.SetOneTimeBootAsync(target, mode, ct);
                var readBack = await bmc.GetBootOverrideAsync(ct);
                if (!string.Equals(readBack.Enabled, "Once", StringComparison.OrdinalIgnoreCase)
                    || !string.Equals(readBack.Target, RedfishTarget(target), StringComparison.OrdinalIgnoreCase))
                {
                    throw new PhaseFailedException(ProvisioningPhase.OverrideSet,
                        $"boot override ignored: asked Once/{RedfishTarget(target)}, BMC reads back {readBack.Enabled}/{readBack.Target}", HealthComponent.Bmc);
                }
            });
        }
        catch (PhaseFailedException e) when (e.InnerException is BmcException { Kind: BmcErrorKind.Unsupported })
        {
            throw new MethodUnusableException(e.Reason, e);
        }
    }

    private ProvisioningOutcome Verify(ReimageRequest request, BootMethod method, AgentBootedReport report, PhaseRunner run)
    {
        var start = time.GetUtcNow();
        var observed = report.ToObserved();
        var drift = new List<DriftItem>();
        if (!string.Equals(report.BuildId, request.Image.BuildId, StringComparison.Ordinal))
            drift.Add(new DriftItem("build id", request.Image.BuildId, report.BuildId));
        if (report.Macs.Count > 0 && !report.Macs.Any(m => BootSessions.NormalizeMac(m) == BootSessions.NormalizeMac(request.Machine.ProvisioningMac)))
            drift.Add(new DriftItem("provisioning mac", request.Machine.ProvisioningMac, string.Join(",", report.Macs)));
        drift.AddRange(HardwareDrift.Compare(request.Profile, observed));
        // The agent's lists are complete observations, not "unknown": none seen where some are declared is drift.
        var declaredDrives = request.Profile.Storage.Sum(s => s.Count);
        if (report.Disks.Count == 0 && declaredDrives > 0)
            drift.Add(new DriftItem("drives", $"{declaredDrives} drives", "0 drives"));
        var declaredPorts = request.Profile.Nics.Sum(n => n.Count * n.Ports);
        if (report.Nics.Count == 0 && declaredPorts > 0)
            drift.Add(new DriftItem("nics", $"{declaredPorts} ports", "0 ports"));
        var ok = drift.Count == 0;
        var error = ok ? null : string.Join("; ", drift);
        run.Add(new() { Phase = ProvisioningPhase.Verify.Name(), Start = start, Succeeded = ok, Error = error });
        return new ProvisioningOutcome
        {
            MachineId = request.Machine.Id,
            Status = ok ? ProvisioningStatus.Succeeded : ProvisioningStatus.Suspect,
            FailedPhase = ok ? null : ProvisioningPhase.Verify,
            Error = error,
            Blamed = ok ? null : drift[0].Component == "build id" ? HealthComponent.Boot : HealthComponent.Inventory,
            Method = method,
            ImageDigest = request.Image.Digest,
            ReportedBuildId = report.BuildId,
            Observed = observed,
            Drift = drift,
        };
    }

    private static ProvisioningOutcome Failure(string machineId, ProvisioningPhase phase, HealthComponent blamed, BootMethod? method, string error)
    {
        return new ProvisioningOutcome { MachineId = machineId, Status = ProvisioningStatus.Failed, FailedPhase = phase, Blamed = blamed, Method = method, Error = error };
    }

    internal static async Task PowerOffAsync(IBmcClient bmc, PhaseRunner run, ProvisioningPhase phase) =>
        await run.RunAsync(phase, HealthComponent.Power, async (deadline, ct) =>
        {
            if (await bmc.GetPowerStateAsync(ct) == PowerState.Off) return;
            await bmc.ResetAsync(PowerIntent.ForceOff, ct);
            await bmc.WaitForPowerStateAsync(PowerState.Off, deadline, ct);
        });

    private async Task PowerOffQuietlyAsync(IBmcClient bmc)
    {
        using var cts = new CancellationTokenSource(policy.PowerOff.Deadline, time);
        try { await bmc.ResetAsync(PowerIntent.ForceOff, cts.Token); }
        catch (Exception) { /* best effort: the machine goes to cleaning or Suspect anyway */ }
    }

    private async Task EjectQuietlyAsync(IBmcClient bmc)
    {
        using var cts = new CancellationTokenSource(policy.OverrideSet.Deadline, time);
        try { await bmc.EjectVirtualMediaAsync(cts.Token); }
        catch (Exception) { /* best effort */ }
    }

    /// <summary>The Redfish BootSourceOverrideTarget a target reads back as.</summary>
    public static string RedfishTarget(BootTarget target) => target switch
    {
        BootTarget.UefiHttp => "UefiHttp",
        BootTarget.BiosSetup => "BiosSetup",
        _ => target.ToString(),
    };

    private sealed class MethodUnusableException(string message, Exception inner) : Exception(message, inner);
}
