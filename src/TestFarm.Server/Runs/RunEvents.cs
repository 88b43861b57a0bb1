using TestFarm.Storage.Sql;

namespace TestFarm.Server.Runs;

/// <summary>The states a run goes through, as written to the audit log (kind <c>run</c>, subject the run id).</summary>
public static class RunEvents
{
    public const string Kind = "run";
    public const string Running = "Running";
    public const string Finished = "Finished";
    public const string CancelRequested = "CancelRequested";
    public const string Cancelled = "Cancelled";
    public const string Failed = "Failed";

    public static bool IsEnd(string state) => state is Finished or Cancelled or Failed;

    /// <summary>Cancels the run's requests still waiting in the queue.</summary>
    public static async Task WithdrawQueuedAsync(SqlFarmStore store, string runId, string reason)
    {
        foreach (var q in await store.ListOpenOfRunAsync(runId, CancellationToken.None))
        {
            if (q.State == TestFarm.Core.Leases.RequestState.Queued)
                await store.SetStateAsync(q.Request.Id, TestFarm.Core.Leases.RequestState.Cancelled, reason, ct: CancellationToken.None);
        }
    }

    /// <summary>True when the run is unknown, finished, or its audit log records an end.</summary>
    public static async Task<bool> HasEndedAsync(SqlFarmStore store, string runId, CancellationToken ct)
    {
        var run = await store.GetRunAsync(runId, ct);
        return run is null || run.Finished != default
            || (await store.ReadAsync(runId, 0, 1000, ct)).Any(e => e.Kind == Kind && IsEnd(e.To));
    }
}

/// <summary>Why a trigger was refused: an HTTP status and a message naming the field.</summary>
public sealed record TriggerRefusal(int Status, string Title, string Detail, string? Field = null);

/// <summary>A trigger's result: the new run's id, or why there is none.</summary>
public sealed record TriggerOutcome(string? RunId, TriggerRefusal? Refusal)
{
    public static TriggerOutcome Refused(int status, string title, string detail, string? field = null) => new(null, new TriggerRefusal(status, title, detail, field));
}
