using TestFarm.Core.Bmc;
using TestFarm.Core.Hardware;
using TestFarm.Core.Pool;
using TestFarm.Core.Provisioning;
using TestFarm.Provisioning.Inventory;
using TestFarm.Provisioning.Reimage;

namespace TestFarm.Provisioning.Health;

/// <summary>Which checks a health round runs.</summary>
public sealed record HealthCheckRequest
{
    public required PoolMachine Machine { get; init; }
    public required HardwareProfile Profile { get; init; }
    /// <summary>Power the machine on and off again.</summary>
    public bool PowerCycle { get; init; } = true;
    /// <summary>Network-boot this image and wait for the agent (null: skip the boot check).</summary>
    public BootImage? BootProbe { get; init; }
    /// <summary>Timeout of each single BMC call.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan PowerDeadline { get; init; } = TimeSpan.FromMinutes(3);
}

/// <summary>
/// One health round for one machine: BMC reachable, power cycle works, network boot reaches the
/// callback, inventory matches the profile. Feed the results to <see cref="MachineHealth.RecordRound"/>.
/// Scheduled by <see cref="MachineHealthJob"/> through <see cref="HealthRound"/>. Without a <paramref name="reimager"/>
/// (a farm whose health rounds do not network-boot) a request with a boot probe is refused. With an
/// <paramref name="inventory"/> recorder, the inventory the BMC reported is kept as the machine's latest observation.
/// </summary>
public sealed class HealthChecker(Reimager? reimager, TimeProvider time, InventoryRecorder? inventory = null)
{
    public async Task<IReadOnlyList<HealthCheckResult>> CheckAsync(IBmcClient bmc, HealthCheckRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bmc);
        ArgumentNullException.ThrowIfNull(request);
        if (request.BootProbe is not null && reimager is null)
            throw new InvalidOperationException($"health check of {request.Machine.Id}: a boot probe needs a reimager (the boot service), this checker has none");
        var results = new List<HealthCheckResult>();
        var reachable = await Check("bmc-reachable", HealthComponent.Bmc, request.CallTimeout,
            ct => bmc.GetPowerStateAsync(ct), cancellationToken);
        results.Add(reachable);
        if (!reachable.Passed) return results; // the other checks need the BMC

        if (request.PowerCycle)
        {
            results.Add(await Check("power-cycle", HealthComponent.Power, request.PowerDeadline * 2 + request.CallTimeout * 2, async ct =>
            {
                await bmc.ResetAsync(PowerIntent.On, ct);
                await bmc.WaitForPowerStateAsync(PowerState.On, request.PowerDeadline, ct);
                await bmc.ResetAsync(PowerIntent.ForceOff, ct);
                await bmc.WaitForPowerStateAsync(PowerState.Off, request.PowerDeadline, ct);
                return true;
            }, cancellationToken));
        }

        ObservedHardware? observed = null;
        results.Add(await Check("inventory", HealthComponent.Inventory, request.CallTimeout, async ct =>
        {
            observed = await bmc.GetInventoryAsync(ct);
            var drift = HardwareDrift.Compare(request.Profile, observed);
            if (drift.Count > 0) throw new InvalidDataException(string.Join("; ", drift));
            return true;
        }, cancellationToken));
        if (observed is not null && inventory is not null)
            await inventory.RecordAsync(request.Machine.Id, InventorySource.BmcInspection, observed, cancellationToken);

        if (request.BootProbe is { } probe)
        {
            var outcome = await reimager!.ReimageAsync(bmc, new ReimageRequest { Machine = request.Machine, Profile = request.Profile, Image = probe }, cancellationToken);
            results.Add(new HealthCheckResult("network-boot", outcome.Ok, outcome.Ok ? null : outcome.Blamed ?? HealthComponent.Boot,
                outcome.Ok ? null : $"{outcome.PhaseName}: {outcome.Error}"));
            try { await bmc.ResetAsync(PowerIntent.ForceOff, cancellationToken); }
            catch (BmcException) { /* the next round will tell */ }
        }
        return results;
    }

    private async Task<HealthCheckResult> Check<T>(string name, HealthComponent blame, TimeSpan timeout, Func<CancellationToken, Task<T>> body, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            await body(linked.Token).WaitAsync(linked.Token);
            return new HealthCheckResult(name, true);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            var detail = deadline.IsCancellationRequested ? $"no answer within {timeout}" : e.Message;
            return new HealthCheckResult(name, false, blame, detail);
        }
    }
}
