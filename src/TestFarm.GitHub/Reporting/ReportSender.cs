using TestFarm.Core.GitHub;
using TestFarm.Core.Results;

namespace TestFarm.GitHub.Reporting;

/// <summary>
/// Sends one outbox message through <see cref="IGitHubApi"/>: one check run per plan on the head SHA (its id kept in the
/// store, so every instance and restart edits the same one; annotations in batches of 50), a commit status per cell
/// (<c>testfarm/&lt;plan&gt;/&lt;profile&gt;/&lt;topology&gt;</c>), one sticky PR comment per plan (found by a hidden
/// marker, its id kept too) and replies. The outbox sends one message per key at a time, so no two instances race here.
/// </summary>
public sealed class ReportSender(IGitHubApi api, IGitHubIdStore ids)
{
    /// <summary>The hidden marker that identifies a plan's sticky comment.</summary>
    public static string CommentMarker(string plan) => $"<!-- testfarm:sticky-comment plan={plan} -->";

    public Task SendAsync(OutboxMessage message, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        var p = GitHubReports.Read(message);
        var repo = RepoRef.Parse(p.Context.Repository);
        return message.Kind switch
        {
            GitHubReports.CheckAccepted => UpsertCheckRunAsync(repo, p.Context, new CheckRunRequest
            {
                Name = CheckSummary.CheckName(p.Context.Plan), HeadSha = p.Context.HeadSha, Status = "in_progress", ExternalId = p.Context.RunId,
                DetailsUrl = p.Context.DetailsUrl, StartedAt = p.At,
                Output = new CheckRunOutput { Title = $"{p.Cells?.Count ?? 0} cells queued", Summary = $"Run `{p.Context.RunId}` accepted: {p.Cells?.Count ?? 0} cells." },
            }, ct),
            GitHubReports.StatusesAccepted => StatusesAsync(repo, p.Context, (p.Cells ?? []).Select(cell => new CommitStatus
            {
                State = "pending", Context = CheckSummary.StatusContext(p.Context.Plan, cell), Description = "queued", TargetUrl = p.Context.DetailsUrl,
            }), ct),
            GitHubReports.CheckCompleted => CompleteCheckRunAsync(repo, p, Need(p.Result, message), ct),
            GitHubReports.StatusesCompleted => StatusesAsync(repo, p.Context, Need(p.Result, message).Cells.Select(cell => new CommitStatus
            {
                State = CheckSummary.StatusState(cell.Verdict),
                Context = CheckSummary.StatusContext(p.Context.Plan, cell.CellId),
                Description = Cut($"{CheckSummary.VerdictName(cell.Verdict)}: {cell.Tests.Count(t => t.Verdict is Verdict.Passed or Verdict.Flaky)}/{cell.Tests.Count} tests passed", 140),
                TargetUrl = p.Context.DetailsUrl,
            }), ct),
            GitHubReports.CommentCompleted => UpsertCommentAsync(repo, p.Context.PullRequest!.Value, p.Context.Plan, CommentMarker(p.Context.Plan) + "\n" + CheckSummary.Truncate(
                CheckSummary.Markdown(Need(p.Result, message))
                + $"\n\n<sub>TestFarm run `{CheckSummary.Escape(p.Result!.RunId)}` on {GitHubReports.Short(p.Context.HeadSha)}{(p.Cancelled ? " (cancelled)" : "")}</sub>\n", 65_000), ct),
            GitHubReports.CheckNeedsApproval => UpsertCheckRunAsync(repo, p.Context, new CheckRunRequest
            {
                Name = CheckSummary.CheckName(p.Context.Plan), HeadSha = p.Context.HeadSha, Status = "completed", Conclusion = "neutral", CompletedAt = p.At,
                Output = new CheckRunOutput
                {
                    Title = "needs /ok-to-test",
                    Summary = $"The author is not a member or collaborator. A trusted reviewer can comment `/ok-to-test` to run plan `{CheckSummary.Escape(p.Context.Plan)}` on {GitHubReports.Short(p.Context.HeadSha)}; a new push needs a new approval.",
                },
            }, ct),
            GitHubReports.Reply => api.CreateIssueCommentAsync(repo, p.Context.PullRequest!.Value, p.Body ?? "", ct),
            _ => throw new InvalidOperationException($"outbox message {message.Key}: unknown kind '{message.Kind}'"),
        };
    }

    private async Task CompleteCheckRunAsync(RepoRef repo, ReportPayload p, RunResult result, CancellationToken ct)
    {
        var summary = CheckSummary.Markdown(result);
        var title = p.Cancelled ? $"cancelled: {CheckSummary.Title(result)}" : CheckSummary.Title(result);
        var batches = CheckSummary.Annotations(result).Chunk(CheckSummary.MaxAnnotationsPerRequest).ToList();
        var request = new CheckRunRequest
        {
            Name = CheckSummary.CheckName(p.Context.Plan), HeadSha = p.Context.HeadSha, Status = "completed",
            Conclusion = p.Cancelled ? "cancelled" : CheckSummary.Conclusion(result), ExternalId = result.RunId, DetailsUrl = p.Context.DetailsUrl,
            StartedAt = result.Started, CompletedAt = p.At,
            Output = new CheckRunOutput { Title = title, Summary = summary, Annotations = batches.Count > 0 ? batches[0] : null },
        };
        var id = await UpsertCheckRunAsync(repo, p.Context, request, ct).ConfigureAwait(false);
        // Each PATCH appends its annotations to the check run.
        foreach (var batch in batches.Skip(1))
            await api.UpdateCheckRunAsync(repo, id, new CheckRunRequest
            {
                Name = request.Name, Output = new CheckRunOutput { Title = title, Summary = summary, Annotations = batch },
            }, ct).ConfigureAwait(false);
    }

    private async Task StatusesAsync(RepoRef repo, GitHubRunContext context, IEnumerable<CommitStatus> statuses, CancellationToken ct)
    {
        foreach (var status in statuses) await api.CreateStatusAsync(repo, context.HeadSha, status, ct).ConfigureAwait(false);
    }

    private async Task<long> UpsertCheckRunAsync(RepoRef repo, GitHubRunContext context, CheckRunRequest request, CancellationToken ct)
    {
        var key = GitHubReports.CheckKey(context);
        if (await ids.GetIdAsync(key, ct).ConfigureAwait(false) is { } id)
        {
            await api.UpdateCheckRunAsync(repo, id, request, ct).ConfigureAwait(false);
            return id;
        }
        id = await api.CreateCheckRunAsync(repo, request, ct).ConfigureAwait(false);
        await ids.SetIdAsync(key, id, CancellationToken.None).ConfigureAwait(false);
        return id;
    }

    private async Task UpsertCommentAsync(RepoRef repo, int pr, string plan, string body, CancellationToken ct)
    {
        var key = GitHubReports.CommentKey(repo.FullName, pr, plan);
        var id = await ids.GetIdAsync(key, ct).ConfigureAwait(false);
        if (id is null)
        {
            var marker = CommentMarker(plan);
            var existing = (await api.ListIssueCommentsAsync(repo, pr, ct).ConfigureAwait(false)).FirstOrDefault(c => c.Body.Contains(marker, StringComparison.Ordinal));
            if (existing is null)
            {
                await ids.SetIdAsync(key, await api.CreateIssueCommentAsync(repo, pr, body, ct).ConfigureAwait(false), CancellationToken.None).ConfigureAwait(false);
                return;
            }
            id = existing.Id;
            await ids.SetIdAsync(key, existing.Id, ct).ConfigureAwait(false);
        }
        await api.UpdateIssueCommentAsync(repo, id.Value, body, ct).ConfigureAwait(false);
    }

    private static RunResult Need(RunResult? result, OutboxMessage message) =>
        result ?? throw new InvalidOperationException($"outbox message {message.Key} ({message.Kind}) carries no run result");

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
