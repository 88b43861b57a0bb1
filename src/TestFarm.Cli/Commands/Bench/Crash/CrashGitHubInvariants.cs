namespace TestFarm.Cli.Commands.Bench.Crash;

/// <summary>
/// What the stand-in GitHub must have seen of a <c>--github</c> trial's run once its outbox is empty: one check run
/// created (for the head SHA, naming the run), its completion delivered exactly once to that check run's id (none to
/// another), and one sticky comment on the pull request naming the run.
/// </summary>
internal static class CrashGitHubInvariants
{
    public static IReadOnlyList<string> Check(CrashGitHub github, string runId, string sha)
    {
        var problems = new List<string>();
        var calls = github.Calls;
        var created = calls.Where(c => c.Method == "POST" && c.Path.EndsWith("/check-runs", StringComparison.Ordinal) && c.Status == 201).ToList();
        if (created.Count != 1) problems.Add($"{created.Count} check runs were created, not 1");
        foreach (var c in created.Where(c => c.Body?["head_sha"]?.GetValue<string>() != sha || c.Body?["external_id"]?.GetValue<string>() != runId))
            problems.Add($"a check run was created for {c.Body?["head_sha"]} / {c.Body?["external_id"]}, not {sha} / {runId}");
        var completions = calls.Where(c => c.Method == "PATCH" && c.Path.Contains("/check-runs/", StringComparison.Ordinal) && c.Status == 200
            && c.Body?["status"]?.GetValue<string>() == "completed").ToList();
        var createdId = CreatedId(github);
        var toCreated = completions.Count(c => c.Path.EndsWith($"/check-runs/{createdId}", StringComparison.Ordinal));
        if (toCreated != 1) problems.Add($"the final check-run completion reached check run {createdId} {toCreated} times, not once");
        if (completions.Count != toCreated) problems.Add($"{completions.Count - toCreated} completion(s) went to another check run than {createdId}");
        var comments = github.Comments.Values.ToList();
        if (comments.Count != 1) problems.Add($"{comments.Count} comments on the pull request, not 1 sticky comment");
        else if (!comments[0].Body.Contains(runId, StringComparison.Ordinal)) problems.Add($"the sticky comment does not name run {runId}");
        var refused = calls.Where(c => c.Status >= 400).Select(c => $"{c.Method} {c.Path} {c.Status}").Distinct().ToList();
        if (refused.Count > 0) problems.Add($"the stand-in GitHub refused: {string.Join(", ", refused.Take(5))}");
        return problems;
    }

    private static long? CreatedId(CrashGitHub github) => github.CheckRunIds is [var first, ..] ? first : null;
}
