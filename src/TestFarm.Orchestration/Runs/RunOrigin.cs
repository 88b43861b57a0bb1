using TestFarm.Core.Results;

namespace TestFarm.Orchestration.Runs;

/// <summary>Where a run came from when a pull request asked for it, and which of the plan's cells it runs.</summary>
public sealed record RunOrigin
{
    /// <summary><c>owner/name</c>.</summary>
    public string? Repository { get; init; }
    public string? HeadSha { get; init; }
    public int? PullRequest { get; init; }
    /// <summary>An untrusted author's change: cells end in a full reimage.</summary>
    public bool Untrusted { get; init; }
    /// <summary>Only these cells of the plan (a rerun); all when null.</summary>
    public IReadOnlyList<string>? CellIds { get; init; }

    /// <summary>The run's trigger as stored: <c>pr owner/name#12 SHA: reason</c> for pull requests, so runs can be found by pull request.</summary>
    public string Label(string reason) => Repository is null ? reason : $"{Prefix(Repository, PullRequest)}{HeadSha}: {reason}";

    /// <summary>As stored with the run (JSON).</summary>
    public string ToJson() => System.Text.Json.JsonSerializer.Serialize(this, Json);

    /// <summary>The origin stored with a run; an empty one when none was.</summary>
    public static RunOrigin FromJson(string? json) =>
        string.IsNullOrEmpty(json) ? new RunOrigin() : System.Text.Json.JsonSerializer.Deserialize<RunOrigin>(json, Json) ?? new RunOrigin();

    private static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web);

    public static string Prefix(string repository, int? pullRequest) => $"pr {repository}#{pullRequest?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} ";
}

/// <summary>Told when a run has ended and its cells are stored (e.g. to report it on GitHub). Failures are logged, not thrown.</summary>
public interface IRunObserver
{
    Task RunEndedAsync(RunResult run, RunOrigin origin, CancellationToken cancellationToken);
}

/// <summary>An observer also told when a run is cancelled (e.g. to deliver the reports of its end at once).</summary>
public interface IRunCancelObserver : IRunObserver;
