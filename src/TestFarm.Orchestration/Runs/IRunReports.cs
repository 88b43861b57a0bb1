using TestFarm.Core.GitHub;
using TestFarm.Core.Results;
using TestFarm.Core.Runs;

namespace TestFarm.Orchestration.Runs;

/// <summary>
/// The outbox reports of a run's acceptance and end (e.g. its GitHub check run), written in the same transaction as the
/// state they report: a recorded run is a run that will be reported.
/// </summary>
public interface IRunReports
{
    /// <summary>The exclusive key of a run from this origin (at most one open run per key), or null.</summary>
    string? ExclusiveKey(string plan, RunOrigin origin);

    IReadOnlyList<OutboxMessage> Accepted(string runId, string plan, RunOrigin origin, IReadOnlyList<string> cellIds);

    IReadOnlyList<OutboxMessage> Ended(RunResult run, RunOrigin origin, RunState state);
}
