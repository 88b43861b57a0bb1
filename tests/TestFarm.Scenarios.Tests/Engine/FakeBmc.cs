using TestFarm.Core.Bmc;

namespace TestFarm.Scenarios.Tests.Engine;

/// <summary>An in-memory BMC: power state, recorded resets, and a hook so a test can make the cluster react.</summary>
internal sealed class FakeBmc : IBmcClient
{
    public PowerState State { get; private set; } = PowerState.On;
    public List<PowerIntent> Resets { get; } = [];
    public Action<PowerIntent>? OnReset { get; init; }

    public Task<PowerState> GetPowerStateAsync(CancellationToken cancellationToken = default) => Task.FromResult(State);

    public Task ResetAsync(PowerIntent intent, CancellationToken cancellationToken = default)
    {
        Resets.Add(intent);
        State = intent switch
        {
            PowerIntent.ForceOff or PowerIntent.GracefulOff => PowerState.Off,
            _ => PowerState.On,
        };
        OnReset?.Invoke(intent);
        return Task.CompletedTask;
    }

    public Task WaitForPowerStateAsync(PowerState target, TimeSpan deadline, CancellationToken cancellationToken = default) =>
        State == target ? Task.CompletedTask : throw new BmcException($"power state {State}, wanted {target}") { Kind = BmcErrorKind.Timeout };

    public Task SetOneTimeBootAsync(BootTarget target, BootModeRequest mode = BootModeRequest.Unchanged, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<BootOverride> GetBootOverrideAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(new BootOverride { Enabled = "Disabled", Target = "None" });

    public Task InsertVirtualMediaAsync(Uri image, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task EjectVirtualMediaAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<ObservedHardware> GetInventoryAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
