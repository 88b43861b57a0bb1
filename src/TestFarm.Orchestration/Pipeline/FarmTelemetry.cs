using System.Diagnostics;

namespace TestFarm.Orchestration.Pipeline;

/// <summary>
/// The farm's traces: a span per run, per cell and per phase, with run, cell, plan and machine ids as tags.
/// Any OpenTelemetry SDK (or <see cref="ActivityListener"/>) listening to <see cref="SourceName"/> gets them;
/// the host decides where they go (OTLP when configured).
/// </summary>
public static class FarmTelemetry
{
    public const string SourceName = "TestFarm.Pipeline";

    public static readonly ActivitySource Source = new(SourceName, typeof(FarmTelemetry).Assembly.GetName().Version?.ToString());

    public static class Tags
    {
        public const string RunId = "testfarm.run.id";
        public const string Plan = "testfarm.plan";
        public const string CellId = "testfarm.cell.id";
        public const string Profile = "testfarm.profile";
        public const string Phase = "testfarm.phase";
        public const string Machines = "testfarm.machines";
        public const string LeaseId = "testfarm.lease.id";
        public const string Verdict = "testfarm.verdict";
    }

    internal static void Fail(Activity? activity, string error)
    {
        activity?.SetStatus(ActivityStatusCode.Error, error);
        activity?.AddEvent(new ActivityEvent("failed", tags: new ActivityTagsCollection { ["error"] = error }));
    }
}
