using System.Collections.Concurrent;
using TestFarm.Core.Bmc;
using TestFarm.Core.Pool;

namespace TestFarm.Server.Metrics;

/// <summary>Counts BMC calls that failed, by operation; read by <c>/metrics</c>.</summary>
public sealed class BmcErrorCounter
{
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

    public void Count(string operation) => _counts.AddOrUpdate(operation, 1, (_, n) => n + 1);

    public IReadOnlyDictionary<string, long> Snapshot() => new Dictionary<string, long>(_counts, StringComparer.Ordinal);

    /// <summary>Wraps a factory so every client it builds reports its failures here.</summary>
    public IBmcClientFactory Wrap(IBmcClientFactory inner) => new CountingFactory(inner, this);

    private sealed class CountingFactory(IBmcClientFactory inner, BmcErrorCounter counter) : IBmcClientFactory
    {
        public IBmcClient Create(PoolMachine machine) => new CountingClient(inner.Create(machine), counter);
    }

    private sealed class CountingClient(IBmcClient inner, BmcErrorCounter counter) : IBmcClient
    {
        private async Task<T> Watch<T>(string operation, Func<Task<T>> call)
        {
            try { return await call().ConfigureAwait(false); }
            catch (BmcException) { counter.Count(operation); throw; }
        }

        private Task<int> Watch(string operation, Func<Task> call) => Watch(operation, async () => { await call().ConfigureAwait(false); return 0; });

        public Task<PowerState> GetPowerStateAsync(CancellationToken cancellationToken = default) =>
            Watch("get-power", () => inner.GetPowerStateAsync(cancellationToken));
        public Task ResetAsync(PowerIntent intent, CancellationToken cancellationToken = default) =>
            Watch("reset", () => inner.ResetAsync(intent, cancellationToken));
        public Task WaitForPowerStateAsync(PowerState target, TimeSpan deadline, CancellationToken cancellationToken = default) =>
            Watch("wait-power", () => inner.WaitForPowerStateAsync(target, deadline, cancellationToken));
        public Task SetOneTimeBootAsync(BootTarget target, BootModeRequest mode = BootModeRequest.Unchanged, CancellationToken cancellationToken = default) =>
            Watch("set-boot", () => inner.SetOneTimeBootAsync(target, mode, cancellationToken));
        public Task<BootOverride> GetBootOverrideAsync(CancellationToken cancellationToken = default) =>
            Watch("get-boot", () => inner.GetBootOverrideAsync(cancellationToken));
        public Task InsertVirtualMediaAsync(Uri image, CancellationToken cancellationToken = default) =>
            Watch("insert-media", () => inner.InsertVirtualMediaAsync(image, cancellationToken));
        public Task EjectVirtualMediaAsync(CancellationToken cancellationToken = default) =>
            Watch("eject-media", () => inner.EjectVirtualMediaAsync(cancellationToken));
        public Task<ObservedHardware> GetInventoryAsync(CancellationToken cancellationToken = default) =>
            Watch("inventory", () => inner.GetInventoryAsync(cancellationToken));
        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
