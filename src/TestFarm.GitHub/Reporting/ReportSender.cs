using TestFarm.Core.GitHub;
using TestFarm.Core.Results;

namespace TestFarm.GitHub.Reporting;

/// <summary>
/// Sends one outbox message through <see cref="IGitHubApi"/>: one check run per plan on the head SHA (its id kept in the
/// store, so every instance and restart edits the same one; annotations in batches of 50), a commit status per cell
/// (<c>testfarm/&lt;plan&gt;/&lt;profile&gt;/&lt;topology&gt;</c>), one sticky PR comment per plan (found by a hidden
/// marker, its id kept too) and replies. The outbox sends one message per key at a time, so no two instances race here.
/// A message may be sent again (at least once: GitHub took it but the store never recorded the delivery or the id), so
/// every send is idempotent: a check run without a stored id is first looked up on the head SHA by name and
/// <c>external_id</c> (the run id) and reused; the sticky comment and each reply are looked up by their hidden marker
/// before one is created; a commit status needs nothing, since GitHub shows the latest status of each context.
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
            GitHubReports.Reply => ReplyAsync(repo, p.Context.PullRequest!.Value, message.Key, p.Body ?? "", ct),
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
        // Not known here: GitHub may have taken the create of an earlier attempt whose id or delivery was never stored (a
        // crash between GitHub's answer and the store's write). Reuse that check run instead of opening a second one.
        if (await FindCheckRunAsync(repo, context.HeadSha, request, ct).ConfigureAwait(false) is { } found)
        {
            await ids.SetIdAsync(key, found, ct).ConfigureAwait(false);
            await api.UpdateCheckRunAsync(repo, found, request, ct).ConfigureAwait(false);
            return found;
        }
        id = await api.CreateCheckRunAsync(repo, request, ct).ConfigureAwait(false);
        await ids.SetIdAsync(key, id, CancellationToken.None).ConfigureAwait(false);
        return id;
    }

    /// <summary>
    /// Our check run of this plan on <paramref name="sha"/>: the one whose <c>external_id</c> is the request's run id, else,
    /// for a request without one (needs approval), the newest of that name; null when GitHub has none.
    /// </summary>
    private async Task<long?> FindCheckRunAsync(RepoRef repo, string sha, CheckRunRequest request, CancellationToken ct)
    {
        var runs = await api.ListCheckRunsAsync(repo, sha, request.Name, ct).ConfigureAwait(false);
        var ours = request.ExternalId is { } runId
            ? runs.Where(r => string.Equals(r.ExternalId, runId, StringComparison.Ordinal))
            : runs.Where(r => string.Equals(r.Name, request.Name, StringComparison.Ordinal));
        return ours.OrderByDescending(r => r.Id).Select(r => (long?)r.Id).FirstOrDefault();
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

    /// <summary>The hidden marker of one reply (its outbox key), so a resend finds the reply instead of posting it twice.</summary>
    public static string ReplyMarker(string key) => $"<!-- testfarm:reply {key.Replace("--", "- -", StringComparison.Ordinal)} -->";

    private async Task ReplyAsync(RepoRef repo, int pr, string key, string body, CancellationToken ct)
    {
        var marker = ReplyMarker(key);
        var comments = await api.ListIssueCommentsAsync(repo, pr, ct).ConfigureAwait(false);
        if (comments.Any(c => c.Body.Contains(marker, StringComparison.Ordinal))) return;
        await api.CreateIssueCommentAsync(repo, pr, body + "\n" + marker, ct).ConfigureAwait(false);
    }

    private static RunResult Need(RunResult? result, OutboxMessage message) =>
        result ?? throw new InvalidOperationException($"outbox message {message.Key} ({message.Kind}) carries no run result");

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
