using TestFarm.Core.Bmc;

namespace TestFarm.Lab.Machines;

/// <summary>
/// An in-process BMC over one lab machine backend, without HTTP: power maps onto the backend, the
/// one-time boot override is consumed by the next power-on or restart, virtual media is an image URL
/// booted as a CD. For benches and tests that drive a QEMU machine directly; the lab's Redfish
/// virtual BMCs are the same machine seen over the network.
/// </summary>
public sealed class MachineBmcClient(IMachineBackend machine, ObservedHardware inventory, TimeProvider time) : IBmcClient
{
    private static readonly string[] Targets = ["None", "Pxe", "UefiHttp", "Cd", "Hdd"];
    private readonly Lock _gate = new();
    private BootOverride _override = new() { Enabled = "Disabled", Target = "None", AllowedTargets = Targets };
    private Uri? _media;

    public IMachineBackend Machine => machine;

    /// <summary>How often <see cref="WaitForPowerStateAsync"/> looks at the machine.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    public Task<PowerState> GetPowerStateAsync(CancellationToken cancellationToken = default) => Task.FromResult(machine.PowerState switch
    {
        MachinePowerState.On => PowerState.On,
        MachinePowerState.Off => PowerState.Off,
        MachinePowerState.PoweringOn => PowerState.PoweringOn,
        _ => PowerState.PoweringOff,
    });

    public Task ResetAsync(PowerIntent intent, CancellationToken cancellationToken = default) => intent switch
    {
        PowerIntent.On => machine.PowerState == MachinePowerState.Off ? machine.PowerOnAsync(TakeBoot(), cancellationToken) : Task.CompletedTask,
        PowerIntent.ForceOff => machine.PowerOffAsync(graceful: false, cancellationToken),
        PowerIntent.GracefulOff => machine.PowerOffAsync(graceful: true, cancellationToken),
        _ => machine.RestartAsync(TakeBoot(), cancellationToken),
    };

    public async Task WaitForPowerStateAsync(PowerState target, TimeSpan deadline, CancellationToken cancellationToken = default)
    {
        using var timeout = new CancellationTokenSource(deadline, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            while (await GetPowerStateAsync(linked.Token).ConfigureAwait(false) != target)
                await Task.Delay(PollInterval, time, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new BmcException($"power state {target} not reached within {deadline}") { Kind = BmcErrorKind.Timeout };
        }
    }

    public Task SetOneTimeBootAsync(BootTarget target, BootModeRequest mode = BootModeRequest.Unchanged, CancellationToken cancellationToken = default)
    {
        if (!Targets.Contains(target.ToString()))
            throw new BmcException($"boot target {target} not supported by the in-process lab BMC (allowed: {string.Join(", ", Targets)})") { Kind = BmcErrorKind.Unsupported };
        lock (_gate)
        {
            _override = _override with
            {
                Enabled = target == BootTarget.None ? "Disabled" : "Once",
                Target = target.ToString(),
                Mode = mode == BootModeRequest.Unchanged ? _override.Mode : mode.ToString(),
            };
        }
        return Task.CompletedTask;
    }

    public Task<BootOverride> GetBootOverrideAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate) { return Task.FromResult(_override); }
    }

    public Task InsertVirtualMediaAsync(Uri image, CancellationToken cancellationToken = default)
    {
        lock (_gate) { _media = image; }
        return Task.CompletedTask;
    }

    public Task EjectVirtualMediaAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate) { _media = null; }
        return Task.CompletedTask;
    }

    public Task<ObservedHardware> GetInventoryAsync(CancellationToken cancellationToken = default) => Task.FromResult(inventory);

    /// <summary>The boot of the next power-on: a pending one-time override (then cleared), else the disk.</summary>
    private BootRequest TakeBoot()
    {
        lock (_gate)
        {
            if (_override.Enabled != "Once") return BootRequest.Disk;
            var request = _override.Target switch
            {
                nameof(BootTarget.Pxe) => new BootRequest(BootDevice.Pxe),
                nameof(BootTarget.UefiHttp) => new BootRequest(BootDevice.UefiHttp),
                nameof(BootTarget.Cd) => new BootRequest(BootDevice.Cd, _media),
                _ => BootRequest.Disk,
            };
            _override = _override with { Enabled = "Disabled", Target = "None" };
            return request;
        }
    }

    public ValueTask DisposeAsync() => machine.DisposeAsync();
}
