namespace TestFarm.Orchestration.Pipeline;

/// <summary>Names of a cell's phases, as they appear in plans' timeouts, reports and the live view.</summary>
public static class PipelinePhases
{
    public const string Reserve = Core.Results.CellResult.WaitPhase;
    public const string Reimage = "reimage";
    public const string Deploy = "deploy";
    public const string AddOns = "addons";
    public const string Suites = "suites";
    public const string Clean = "clean";
    public const string Release = "release";

    public static readonly IReadOnlyList<string> All = [Reserve, Reimage, Deploy, AddOns, Suites, Clean, Release];

    /// <summary>
    /// The longest a cell of <paramref name="plan"/> may hold its machines: the deadlines of every phase after the wait
    /// for them, the plan's where it names one. The scheduler's estimate until the plan × profile has history.
    /// </summary>
    public static TimeSpan LongestHold(Core.Plans.Plan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return All.Where(p => p != Reserve).Aggregate(TimeSpan.Zero, (sum, p) => sum + (plan.Timeouts.TryGetValue(p, out var t) ? t : DefaultDeadline(p)));
    }

    /// <summary>Deadlines when a plan names none for a phase.</summary>
    public static TimeSpan DefaultDeadline(string phase) => phase switch
    {
        Reserve => TimeSpan.FromHours(12),
        Reimage => TimeSpan.FromMinutes(30),
        Deploy => TimeSpan.FromMinutes(60),
        AddOns => TimeSpan.FromMinutes(20),
        Suites => TimeSpan.FromHours(6),
        Clean => TimeSpan.FromMinutes(30),
        _ => TimeSpan.FromMinutes(5),
    };
}
