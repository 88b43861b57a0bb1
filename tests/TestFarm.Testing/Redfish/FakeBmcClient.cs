using TestFarm.Core.Bmc;
using TestFarm.Core.Pool;

namespace TestFarm.Testing.Redfish;

/// <summary>
/// An in-memory BMC: power follows resets at once (or after <see cref="PowerLagReads"/> reads), the boot
/// override and virtual media are remembered, and every call is recorded. Set <see cref="FailNext"/> to
/// make the next call throw.
/// </summary>
public sealed class FakeBmcClient : IBmcClient
{
    private readonly Lock _gate = new();
    private PowerState? _pending;
    private int _lagLeft;

    public PowerState Power { get; set; } = PowerState.Off;
    public BootOverride Boot { get; set; } = new() { Enabled = "Disabled", Target = "None", Mode = "UEFI", AllowedTargets = ["None", "Pxe", "UefiHttp", "Cd", "Hdd", "BiosSetup"] };
    public Uri? InsertedImage { get; private set; }
    public ObservedHardware Inventory { get; set; } = new();
    /// <summary>Reads of the power state before a reset shows.</summary>
    public int PowerLagReads { get; set; }
    /// <summary>Thrown by the next call, then cleared.</summary>
    public BmcException? FailNext { get; set; }
    public bool Disposed { get; private set; }
    public List<string> Calls { get; } = [];

    public Task<PowerState> GetPowerStateAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            Record("GetPowerState");
            if (_pending is { } p && _lagLeft-- <= 0) { Power = p; _pending = null; }
            return Task.FromResult(Power);
        }
    }

    public Task ResetAsync(PowerIntent intent, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            Record($"Reset {intent}");
            var target = intent is PowerIntent.ForceOff or PowerIntent.GracefulOff ? PowerState.Off : PowerState.On;
            if (PowerLagReads == 0) Power = target;
            else { _pending = target; _lagLeft = PowerLagReads; }
            if (Power == PowerState.On && Boot.Enabled == "Once" && intent is not PowerIntent.ForceOff and not PowerIntent.GracefulOff)
                Boot = Boot with { Enabled = "Disabled" };
            return Task.CompletedTask;
        }
    }

    public async Task WaitForPowerStateAsync(PowerState target, TimeSpan deadline, CancellationToken cancellationToken = default)
    {
        for (var i = 0; i <= PowerLagReads + 1; i++)
        {
            if (await GetPowerStateAsync(cancellationToken).ConfigureAwait(false) == target) return;
        }
        throw new BmcException($"fake BMC: power state {Power}, not {target}, after {deadline}") { Kind = BmcErrorKind.Timeout };
    }

    public Task SetOneTimeBootAsync(BootTarget target, BootModeRequest mode = BootModeRequest.Unchanged, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            Record($"SetOneTimeBoot {target} {mode}");
            Boot = Boot with
            {
                Enabled = target == BootTarget.None ? "Disabled" : "Once",
                Target = target.ToString(),
                Mode = mode switch { BootModeRequest.Uefi => "UEFI", BootModeRequest.Legacy => "Legacy", _ => Boot.Mode },
            };
            return Task.CompletedTask;
        }
    }

    public Task<BootOverride> GetBootOverrideAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate) { Record("GetBootOverride"); return Task.FromResult(Boot); }
    }

    public Task InsertVirtualMediaAsync(Uri image, CancellationToken cancellationToken = default)
    {
        lock (_gate) { Record($"InsertVirtualMedia {image}"); InsertedImage = image; return Task.CompletedTask; }
    }

    public Task EjectVirtualMediaAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate) { Record("EjectVirtualMedia"); InsertedImage = null; return Task.CompletedTask; }
    }

    public Task<ObservedHardware> GetInventoryAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate) { Record("GetInventory"); return Task.FromResult(Inventory); }
    }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }

    private void Record(string call)
    {
        Calls.Add(call);
        if (FailNext is { } failure)
        {
            FailNext = null;
            throw failure;
        }
    }
}

/// <summary>Hands out one <see cref="FakeBmcClient"/> per machine id, the same one on every call.</summary>
public sealed class FakeBmcClientFactory : IBmcClientFactory
{
    private readonly Dictionary<string, FakeBmcClient> _clients = new(StringComparer.Ordinal);

    public FakeBmcClient For(string machineId)
    {
        lock (_clients)
        {
            if (!_clients.TryGetValue(machineId, out var client)) _clients[machineId] = client = new FakeBmcClient();
            return client;
        }
    }

    public IBmcClient Create(PoolMachine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        return For(machine.Id);
    }
}
