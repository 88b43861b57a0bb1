using Microsoft.Extensions.Diagnostics.HealthChecks;
using TestFarm.Server.Runs;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Hosting;

/// <summary>Healthy when the store answers; the body says how many runs this instance has in flight.</summary>
public sealed class StoreHealthCheck(SqlFarmStore store, RunLauncher launcher) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var machines = await store.ListMachinesAsync(cancellationToken);
            return HealthCheckResult.Healthy($"{store.Dialect.Place}: {machines.Count} machines; {launcher.InFlight} runs in flight here");
        }
        catch (Storage.Database.StoreException ex)
        {
            return HealthCheckResult.Unhealthy(ex.Message);
        }
    }
}
