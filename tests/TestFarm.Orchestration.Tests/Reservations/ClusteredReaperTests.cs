using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Quartz;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Orchestration.Reservations;
using TestFarm.Storage.Sql;
using TestFarm.Testing;

namespace TestFarm.Orchestration.Tests.Reservations;

/// <summary>The reaper on Quartz's AdoJobStore in PostgreSQL, clustered, with Quartz's schema provisioned at start.</summary>
public sealed class ClusteredReaperTests
{
    private sealed class ReapSignal : IReapedLeaseHandler
    {
        public TaskCompletionSource<IReadOnlyList<Lease>> Reaped { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task OnReapedAsync(IReadOnlyList<Lease> reaped, CancellationToken ct)
        {
            if (reaped.Count > 0) Reaped.TrySetResult(reaped);
            return Task.CompletedTask;
        }
    }

    [Test]
    public async Task The_reaper_runs_from_a_clustered_postgres_job_store()
    {
        var admin = Requirements.Postgres();
        var schema = "q_" + Guid.NewGuid().ToString("N")[..12];
        await using (var c = new NpgsqlConnection(admin)) { await c.OpenAsync(); await new NpgsqlCommand($"CREATE SCHEMA {schema}", c).ExecuteNonQueryAsync(); }
        var cs = new NpgsqlConnectionStringBuilder(admin) { SearchPath = schema }.ConnectionString;
        try
        {
            var time = new FakeTimeProvider();
            var store = await SqlFarmStore.OpenPostgresAsync(cs, time);
            await store.RegisterAsync([new MachineRegistration("m0", "x86")]);
            var lease = (await store.ClaimMachinesAsync("farm-a", "r1", ["m0"], TimeSpan.FromMinutes(1))).Lease!;
            time.Advance(TimeSpan.FromMinutes(2));

            var signal = new ReapSignal();
            var builder = Host.CreateApplicationBuilder();
            builder.Services.AddSingleton<ILeaseStore>(store);
            builder.Services.AddSingleton<IReapedLeaseHandler>(signal);
            builder.Services.AddLeaseReaper(new ReservationSchedulerOptions { PostgresConnection = cs, ReaperInterval = TimeSpan.FromSeconds(1) });
            using var host = builder.Build();
            await host.StartAsync();
            try
            {
                var reaped = await signal.Reaped.Task.WaitAsync(TimeSpan.FromSeconds(60));
                Assert.That(reaped.Single().Id, Is.EqualTo(lease.Id));
                var scheduler = await host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
                Assert.That(await scheduler.GetJobDetail(LeaseReaperJob.Key), Is.Not.Null);
                await using var c = new NpgsqlConnection(cs);
                await c.OpenAsync();
                var stateRows = await new NpgsqlCommand("SELECT COUNT(*) FROM qrtz_scheduler_state", c).ExecuteScalarAsync();
                Assert.That(Convert.ToInt64(stateRows, System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(1), "a clustered instance checks in");
            }
            finally
            {
                await host.StopAsync();
            }
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var c = new NpgsqlConnection(admin);
            await c.OpenAsync();
            await new NpgsqlCommand($"DROP SCHEMA {schema} CASCADE", c).ExecuteNonQueryAsync();
        }
    }
}
