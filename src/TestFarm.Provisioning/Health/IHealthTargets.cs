using TestFarm.Core.Hardware;
using TestFarm.Core.Pool;

namespace TestFarm.Provisioning.Health;

/// <summary>A machine the health checks may look at: its pool entry (BMC) and declared hardware.</summary>
public sealed record HealthTarget(PoolMachine Machine, HardwareProfile Profile);

/// <summary>Where the health job learns the pool (the server reads pool.yaml and the hardware profiles).</summary>
public interface IHealthTargets
{
    Task<IReadOnlyList<HealthTarget>> ListAsync(CancellationToken cancellationToken = default);
}

/// <summary>A fixed list of targets, e.g. the pool file read once at start.</summary>
public sealed class StaticHealthTargets(IReadOnlyList<HealthTarget> targets) : IHealthTargets
{
    public Task<IReadOnlyList<HealthTarget>> ListAsync(CancellationToken cancellationToken = default) => Task.FromResult(targets);
}
