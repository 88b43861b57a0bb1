using System.Collections.Concurrent;
using TestFarm.Core.Bmc;
using TestFarm.Core.Provisioning;
using TestFarm.Orchestration.Pipeline;
using TestFarm.Provisioning.Cleaning;
using TestFarm.Provisioning.Reimage;

namespace TestFarm.Orchestration.Adapters;

/// <summary>
/// Reimages and cleans a cell's machines with the farm's provisioning (boot override, power cycle, network
/// boot, agent callback, verification) through each machine's BMC client.
/// </summary>
public sealed class FarmProvisioner(Reimager reimager, Cleaner cleaner, IBmcClientFactory bmcs, ImageCatalogue images) : IMachineProvisioner
{
    /// <summary>What this process saw of each machine's last boot and cleaning (forgotten on restart: the full path then).</summary>
    private readonly ConcurrentDictionary<string, MachineImageState> _states = new(StringComparer.Ordinal);

    public async Task<ProvisionResult> ReimageAsync(CellMachine machine, string buildId, bool trusted,
        Func<CancellationToken, Task> heartbeat, CancellationToken cancellationToken)
    {
        var image = images.Images.LastOrDefault(i => i.BuildId == buildId && i.Arch == machine.Profile.Arch);
        if (image is null)
            return new ProvisionResult { Succeeded = false, FailedPhase = "image", Error = $"no image of build {buildId} for {machine.Profile.Arch}" };
        await using var bmc = bmcs.Create(machine.Machine);
        var outcome = await reimager.ReimageAsync(bmc, new ReimageRequest
        {
            Machine = machine.Machine, Profile = machine.Profile, Image = image, Heartbeat = heartbeat,
            State = _states.GetValueOrDefault(machine.Machine.Id, MachineImageState.Unknown), TrustedBuild = trusted,
        }, cancellationToken);
        // A lease now runs on the machine: it is neither clean nor resident in an agent until its cleaning says so.
        _states[machine.Machine.Id] = new MachineImageState { RunningDigest = outcome.Ok ? outcome.ImageDigest : null, LastLeaseTrusted = trusted };
        return ToResult(outcome);
    }

    public async Task<ProvisionResult> CleanAsync(CellMachine machine, bool trusted,
        Func<CancellationToken, Task> heartbeat, CancellationToken cancellationToken)
    {
        await using var bmc = bmcs.Create(machine.Machine);
        var outcome = await cleaner.CleanAsync(bmc, new CleanRequest
        {
            Machine = machine.Machine, Profile = machine.Profile, Untrusted = !trusted, Heartbeat = heartbeat,
            StayInAgent = trusted && reimager.Policy.FastTrack,
            // A machine whose agent no longer runs (a chaos power-off rebooted it from disk) boots the image to wipe.
            CleaningImage = images.Images.LastOrDefault(i => i.Arch == machine.Profile.Arch),
        }, cancellationToken);
        _states[machine.Machine.Id] = new MachineImageState { LastLeaseTrusted = trusted, LastLeaseClean = outcome.Ok, AgentResident = outcome.AgentResident };
        return ToResult(outcome);
    }

    private static ProvisionResult ToResult(ProvisioningOutcome outcome) => new()
    {
        Succeeded = outcome.Ok,
        FailedPhase = outcome.PhaseName ?? (outcome.Ok ? null : "verify"),
        Error = outcome.Error ?? (outcome.Drift.Count > 0 ? "hardware drift: " + string.Join("; ", outcome.Drift) : null),
        Drift = outcome.Drift,
        Observed = outcome.Observed,
        ImageDigest = outcome.ImageDigest,
        Path = outcome.Ok ? outcome.Path : null,
        Phases = outcome.Phases,
    };
}
