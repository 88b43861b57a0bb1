using TestFarm.Core.Bmc;
using TestFarm.Core.Pool;

namespace TestFarm.Testing.Bmc;

/// <summary>
/// The in-memory BMC of the tests (the farm's <see cref="IBmcClient"/> port): power state, a one-time boot override
/// that is consumed at power-on (or ignored, or refused for some targets), virtual media, scripted 5xx bursts, an
/// unreachable switch, and a hook run at power-on (a simulated machine). Records every call.
/// </summary>
public sealed class FakeBmcClient : IBmcClient
{
    private readonly Lock _gate = new();
    private BootOverride _override = new() { Enabled = "Disabled", Target = "None" };
    private int _failuresLeft;

    public PowerState Power { get; set; } = PowerState.Off;
    /// <summary>Accept override requests but keep reading back the old value.</summary>
    public bool IgnoreOverride { get; set; }
    /// <summary>Targets the BMC refuses as Unsupported.</summary>
    public HashSet<BootTarget> UnsupportedTargets { get; } = [];
    public ObservedHardware Inventory { get; set; } = new();
    public Uri? InsertedMedia { get; private set; }
    public List<string> Calls { get; } = [];
    /// <summary>Run after a power-on, with the boot target that was consumed (None when no override).</summary>
    public Action<BootTarget>? OnPowerOn { get; set; }
    /// <summary>Throws Unreachable from every call.</summary>
    public bool Unreachable { get; set; }

    /// <summary>The next <paramref name="count"/> calls fail with HTTP <paramref name="status"/>.</summary>
    public void FailNext(int count, int status = 503)
    {
        lock (_gate) { _failuresLeft = count; FailureStatus = status; }
    }

    public int FailureStatus { get; private set; } = 503;

    public Task<PowerState> GetPowerStateAsync(CancellationToken cancellationToken = default)
    {
        Enter("GetPowerState");
        return Task.FromResult(Power);
    }

    public Task ResetAsync(PowerIntent intent, CancellationToken cancellationToken = default)
    {
        Enter($"Reset {intent}");
        if (intent is PowerIntent.ForceOff or PowerIntent.GracefulOff) { Power = PowerState.Off; return Task.CompletedTask; }
        if (Power == PowerState.On && intent == PowerIntent.On) return Task.CompletedTask;
        Power = PowerState.On;
        BootTarget consumed;
        lock (_gate)
        {
            consumed = _override.Enabled == "Once" ? Enum.Parse<BootTarget>(_override.Target) : BootTarget.None;
            if (_override.Enabled == "Once") _override = _override with { Enabled = "Disabled", Target = "None" };
        }
        OnPowerOn?.Invoke(consumed);
        return Task.CompletedTask;
    }

    public Task WaitForPowerStateAsync(PowerState target, TimeSpan deadline, CancellationToken cancellationToken = default)
    {
        Enter($"WaitFor {target}");
        return Power == target
            ? Task.CompletedTask
            : throw new BmcException($"power state {target} not reached within {deadline}, is {Power}") { Kind = BmcErrorKind.Timeout };
    }

    public Task SetOneTimeBootAsync(BootTarget target, BootModeRequest mode = BootModeRequest.Unchanged, CancellationToken cancellationToken = default)
    {
        Enter($"SetOneTimeBoot {target}");
        if (UnsupportedTargets.Contains(target))
            throw new BmcException($"target {target} not allowed", 400, "Base.1.8.PropertyValueNotInList", null) { Kind = BmcErrorKind.Unsupported };
        if (!IgnoreOverride)
        {
            lock (_gate) { _override = _override with { Enabled = target == BootTarget.None ? "Disabled" : "Once", Target = target.ToString() }; }
        }
        return Task.CompletedTask;
    }

    public Task<BootOverride> GetBootOverrideAsync(CancellationToken cancellationToken = default)
    {
        Enter("GetBootOverride");
        lock (_gate) { return Task.FromResult(_override); }
    }

    public Task InsertVirtualMediaAsync(Uri image, CancellationToken cancellationToken = default)
    {
        Enter("InsertVirtualMedia");
        InsertedMedia = image;
        return Task.CompletedTask;
    }

    public Task EjectVirtualMediaAsync(CancellationToken cancellationToken = default)
    {
        Enter("EjectVirtualMedia");
        InsertedMedia = null;
        return Task.CompletedTask;
    }

    public Task<ObservedHardware> GetInventoryAsync(CancellationToken cancellationToken = default)
    {
        Enter("GetInventory");
        return Task.FromResult(Inventory);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public int CountOf(string prefix)
    {
        lock (_gate) { return Calls.Count(c => c.StartsWith(prefix, StringComparison.Ordinal)); }
    }

    private void Enter(string call)
    {
        lock (_gate)
        {
            Calls.Add(call);
            if (Unreachable)
                throw new BmcException($"{call}: connection refused") { Kind = BmcErrorKind.Unreachable };
            if (_failuresLeft > 0)
            {
                _failuresLeft--;
                throw new BmcException($"{call}: HTTP {FailureStatus}", FailureStatus, "Base.1.8.InternalError", "{}") { Kind = BmcErrorKind.Remote };
            }
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
