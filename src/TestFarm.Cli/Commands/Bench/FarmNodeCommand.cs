using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Quartz;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Orchestration.Reservations;
using TestFarm.Storage.Sql;

namespace TestFarm.Cli.Commands.Bench;

/// <summary>
/// <c>testfarm bench farm-node</c> (hidden): one farm instance for failover tests. It joins the clustered Quartz
/// scheduler kept in a PostgreSQL schema (with the lease reaper), schedules <c>--jobs</c> claim-work jobs that
/// request recovery, and runs until <c>--exit-after-seconds</c> or until killed. Every job start, recovery and end
/// is written to the farm's audit log (kind <c>job</c>), so a test can see which instance ran what; each reaped
/// lease's cell is handled by <see cref="ReapedLeaseCellHandler"/> (an audit event with the reason).
/// </summary>
public sealed class FarmNodeCommand(TimeProvider time) : ICliCommand
{
    public string Path => "bench farm-node";

    public Command Build()
    {
        var schema = new Option<string>("--schema") { Required = true, Description = "PostgreSQL schema shared by the instances (TESTFARM_POSTGRES names the server)." };
        var name = new Option<string>("--name") { Required = true, Description = "Name of this instance; leases are held as NAME/JOB." };
        var jobs = new Option<int>("--jobs") { DefaultValueFactory = _ => 2, Description = "Claim-work jobs this instance schedules." };
        var jobSeconds = new Option<int>("--job-seconds") { DefaultValueFactory = _ => 30, Description = "How long a job claims and releases (a recovered run: at most 2 s)." };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => 8, Description = "Quartz worker threads of this instance." };
        var ttl = new Option<int>("--ttl-seconds") { DefaultValueFactory = _ => 3, Description = "Lease TTL." };
        var checkin = new Option<int>("--checkin-ms") { DefaultValueFactory = _ => 1000, Description = "Quartz cluster check-in interval." };
        var exitAfter = new Option<int>("--exit-after-seconds") { DefaultValueFactory = _ => 60, Description = "Stop after this long." };
        var command = new Command("farm-node", "One farm instance on a clustered Quartz store (for failover tests).")
        {
            Hidden = true,
        };
        foreach (var o in new Option[] { schema, name, jobs, jobSeconds, threads, ttl, checkin, exitAfter }) command.Options.Add(o);
        command.SetAction((parse, ct) => RunAsync(new FarmNodeSettings(parse.GetValue(schema)!, parse.GetValue(name)!, parse.GetValue(jobs), parse.GetValue(jobSeconds),
            parse.GetValue(threads), TimeSpan.FromSeconds(parse.GetValue(ttl)), TimeSpan.FromMilliseconds(parse.GetValue(checkin)), TimeSpan.FromSeconds(parse.GetValue(exitAfter))), ct));
        return command;
    }

    private async Task<int> RunAsync(FarmNodeSettings settings, CancellationToken ct)
    {
        var admin = Environment.GetEnvironmentVariable("TESTFARM_POSTGRES");
        if (string.IsNullOrWhiteSpace(admin)) { await Console.Error.WriteLineAsync("TESTFARM_POSTGRES is not set").ConfigureAwait(false); return ExitCodes.Usage; }
        if (settings.Jobs < 0 || settings.Threads < 1 || settings.JobSeconds < 1 || settings.Ttl <= TimeSpan.Zero || settings.Checkin < TimeSpan.FromMilliseconds(100))
        {
            await Console.Error.WriteLineAsync("--jobs must be >= 0, --threads and --job-seconds >= 1, --ttl-seconds > 0, --checkin-ms >= 100").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        var cs = new NpgsqlConnectionStringBuilder(admin) { SearchPath = settings.Schema }.ConnectionString;
        var store = await SqlFarmStore.OpenPostgresAsync(cs, time, ct: ct).ConfigureAwait(false);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<ILeaseStore>(store);
        builder.Services.AddSingleton<IMachineStore>(store);
        builder.Services.AddSingleton<IEventLog>(store);
        builder.Services.AddSingleton<IRequestQueue>(store);
        builder.Services.AddSingleton<IRunStore>(store);
        builder.Services.AddReapedLeaseCellHandler(new ReapedLeaseOptions(), ClaimWorkJob.Profiles);
        builder.Services.AddLeaseReaper(new ReservationSchedulerOptions
        {
            PostgresConnection = cs, ReaperInterval = TimeSpan.FromSeconds(1), ClusterCheckinInterval = settings.Checkin, MaxConcurrency = settings.Threads,
        });
        using var host = builder.Build();
        await host.StartAsync(ct).ConfigureAwait(false);
        try
        {
            var scheduler = await host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(ct).ConfigureAwait(false);
            for (var i = 0; i < settings.Jobs; i++)
            {
                var job = JobBuilder.Create<ClaimWorkJob>().WithIdentity($"{settings.Name}-work-{i}", "failover").RequestRecovery().StoreDurably()
                    .UsingJobData("seconds", settings.JobSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)).Build();
                await scheduler.ScheduleJob(job, TriggerBuilder.Create().WithIdentity($"{settings.Name}-work-{i}", "failover").StartNow().Build(), new ScheduleJobOptions(), ct).ConfigureAwait(false);
            }
            Console.WriteLine($"farm-node {settings.Name}: scheduled {settings.Jobs} jobs");
            try { await Task.Delay(settings.ExitAfter, time, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { }
        }
        finally
        {
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        return ExitCodes.Success;
    }
}

/// <summary>What a farm node was started with.</summary>
public sealed record FarmNodeSettings(string Schema, string Name, int Jobs, int JobSeconds, int Threads, TimeSpan Ttl, TimeSpan Checkin, TimeSpan ExitAfter);
