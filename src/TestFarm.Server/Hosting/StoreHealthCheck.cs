using Microsoft.Extensions.Diagnostics.HealthChecks;
using TestFarm.Orchestration.Runs;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Hosting;

/// <summary>Healthy when the store answers; the body says how many cells this instance runs now.</summary>
public sealed class StoreHealthCheck(SqlFarmStore store, CellSlots cells) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var machines = await store.ListMachinesAsync(cancellationToken);
            return HealthCheckResult.Healthy($"{store.Dialect.Place}: {machines.Count} machines; {cells.InUse} cells running here");
        }
        catch (Storage.Database.StoreException ex)
        {
            return HealthCheckResult.Unhealthy(ex.Message);
        }
    }
}
