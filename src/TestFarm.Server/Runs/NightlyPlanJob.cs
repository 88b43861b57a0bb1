using Microsoft.Extensions.Logging;
using Quartz;
using TestFarm.Core.Configuration;
using TestFarm.Core.Plans;
using TestFarm.Orchestration.Runs;
using TestFarm.Server.Hosting;

namespace TestFarm.Server.Runs;

/// <summary>
/// Quartz job: triggers the plan named in its data when its cron fires. On a cluster one instance fires it
/// and runs the plan; a missed firing (no instance up) is not made up later.
/// </summary>
[DisallowConcurrentExecution]
public sealed class NightlyPlanJob(RunEngine engine, ILogger<NightlyPlanJob> log) : IJob
{
    public const string PlanKey = "plan";

    public static JobKey KeyFor(string plan) => new($"plan-{plan}", "testfarm-nightly");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var plan = context.MergedJobDataMap.GetString(PlanKey) ?? "";
        var outcome = await engine.TriggerAsync(plan, $"nightly (cron {context.Trigger.Key.Name})", cancellationToken);
        ServerLog.NightlyFired(log, plan, outcome.RunId is { } id ? $"run {id}" : $"refused: {outcome.Refusal!.Detail}");
    }

    /// <summary>The plans with a nightly cron, checked: an invalid cron is an error naming the plan's file and line.</summary>
    public static (IReadOnlyList<(Plan Plan, string Cron)> Schedules, IReadOnlyList<string> Errors) Schedules(ConfigurationSet config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var schedules = new List<(Plan, string)>();
        var errors = new List<string>();
        foreach (var loaded in config.Plans)
        {
            var plan = loaded.Value;
            if (plan.Trigger.Kind != TriggerKind.Nightly) continue;
            var at = loaded.At("trigger");
            if (string.IsNullOrWhiteSpace(plan.Trigger.Cron)) errors.Add($"{at.File}:{at.Line}: plan {plan.Name}: a nightly trigger needs trigger.cron");
            else if (CronError(plan.Trigger.Cron) is { } error) errors.Add($"{at.File}:{at.Line}: plan {plan.Name}: trigger.cron '{plan.Trigger.Cron}' is not a Quartz cron expression: {error}");
            else schedules.Add((plan, plan.Trigger.Cron));
        }
        return (schedules, errors);
    }

    private static string? CronError(string cron)
    {
        try { _ = new CronExpression(cron); return null; }
        catch (FormatException ex) { return ex.Message; }
    }
}
