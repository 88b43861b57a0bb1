using TestFarm.Core.Bmc;

namespace TestFarm.Provisioning.Qemu;

/// <summary>
/// A stand-in BMC for one <see cref="QemuMachine"/>, in process: power is the QEMU process, the
/// one-time boot override picks <c>-boot n</c> at the next power-on. Minimal on purpose; the lab's
/// Redfish virtual BMCs replace it when they front QEMU.
/// </summary>
public sealed class QemuBmcClient(QemuMachine machine, TimeProvider time) : IBmcClient
{
    private readonly Lock _gate = new();
    private BootOverride _override = new() { Enabled = "Disabled", Target = "None", AllowedTargets = ["None", "Pxe", "Hdd"] };

    public QemuMachine Machine => machine;

    public Task<PowerState> GetPowerStateAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(machine.Running ? PowerState.On : PowerState.Off);

    public Task ResetAsync(PowerIntent intent, CancellationToken cancellationToken = default)
    {
        switch (intent)
        {
            case PowerIntent.On:
                if (!machine.Running) machine.Start(TakeNetworkBoot());
                break;
            case PowerIntent.ForceOff or PowerIntent.GracefulOff:
                machine.Kill();
                break;
            default:
                machine.Kill();
                machine.Start(TakeNetworkBoot());
                break;
        }
        return Task.CompletedTask;
    }

    public async Task WaitForPowerStateAsync(PowerState target, TimeSpan deadline, CancellationToken cancellationToken = default)
    {
        using var cts = new CancellationTokenSource(deadline, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cts.Token, cancellationToken);
        try
        {
            if (target == PowerState.Off) await machine.ExitedAsync(linked.Token);
            else if (!machine.Running) throw new BmcException($"machine {machine.Options.MachineId} is not on") { Kind = BmcErrorKind.Remote };
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new BmcException($"power state {target} not reached within {deadline}") { Kind = BmcErrorKind.Timeout };
        }
    }

    public Task SetOneTimeBootAsync(BootTarget target, BootModeRequest mode = BootModeRequest.Unchanged, CancellationToken cancellationToken = default)
    {
        if (target is not (BootTarget.None or BootTarget.Pxe or BootTarget.Hdd))
            throw new BmcException($"boot target {target} not supported by the QEMU stand-in") { Kind = BmcErrorKind.Unsupported };
        lock (_gate)
        {
            _override = _override with { Enabled = target == BootTarget.None ? "Disabled" : "Once", Target = target.ToString() };
        }
        return Task.CompletedTask;
    }

    public Task<BootOverride> GetBootOverrideAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate) { return Task.FromResult(_override); }
    }

    public Task InsertVirtualMediaAsync(Uri image, CancellationToken cancellationToken = default) =>
        throw new BmcException("virtual media not supported by the QEMU stand-in") { Kind = BmcErrorKind.Unsupported };

    public Task EjectVirtualMediaAsync(CancellationToken cancellationToken = default) =>
        throw new BmcException("virtual media not supported by the QEMU stand-in") { Kind = BmcErrorKind.Unsupported };

    public Task<ObservedHardware> GetInventoryAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(new ObservedHardware
        {
            Manufacturer = "QEMU",
            Model = "q35",
            ProcessorCount = 1,
            CoreCount = machine.Options.Cpus,
            MemoryGiB = machine.Options.MemoryMiB / 1024.0,
            Nics = [new ObservedNic { Id = "0", Mac = machine.Options.Mac }],
        });

    private bool TakeNetworkBoot()
    {
        lock (_gate)
        {
            var once = _override.Enabled == "Once";
            var pxe = once && _override.Target == nameof(BootTarget.Pxe);
            if (once) _override = _override with { Enabled = "Disabled", Target = "None" };
            return pxe;
        }
    }

    public ValueTask DisposeAsync()
    {
        machine.Dispose();
        return ValueTask.CompletedTask;
    }
}
