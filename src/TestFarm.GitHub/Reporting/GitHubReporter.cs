using System.Collections.Concurrent;
using TestFarm.Core.GitHub;
using TestFarm.Core.Results;

namespace TestFarm.GitHub.Reporting;

/// <summary>
/// Reports runs to GitHub through <see cref="IGitHubApi"/>: one check run per plan on the head SHA (created when
/// the run is accepted, completed with the matrix summary and annotations in batches of 50), a commit status per
/// cell (<c>testfarm/&lt;plan&gt;/&lt;profile&gt;/&lt;topology&gt;</c>) and one sticky PR comment per plan, found by
/// a hidden marker and edited in place. Failures go to the <see cref="ReportOutbox"/>.
/// </summary>
public sealed class GitHubReporter(IGitHubApi api, ReportOutbox outbox, TimeProvider time) : IGitHubReporter, IDisposable
{
    private readonly ConcurrentDictionary<string, long> _checkRuns = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, long> _comments = new(StringComparer.OrdinalIgnoreCase);
    private readonly SemaphoreSlim _commentGate = new(1, 1);

    public IReadOnlyList<PendingReport> PendingReports => outbox.Pending;

    /// <summary>Retries undelivered reports (called by <see cref="GitHubOutboxService"/>).</summary>
    public Task<int> FlushAsync(CancellationToken cancellationToken) => outbox.FlushAsync(cancellationToken);

    /// <summary>The hidden marker that identifies a plan's sticky comment.</summary>
    public static string CommentMarker(string plan) => $"<!-- testfarm:sticky-comment plan={plan} -->";

    public async Task RunAcceptedAsync(GitHubRunContext context, IReadOnlyList<string> cellIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(cellIds);
        var repo = RepoRef.Parse(context.Repository);
        var now = time.GetUtcNow();
        await outbox.DeliverAsync(CheckKey(context), $"check run {CheckSummary.CheckName(context.Plan)} on {repo}@{Short(context.HeadSha)} in_progress", async ct =>
        {
            var request = new CheckRunRequest
            {
                Name = CheckSummary.CheckName(context.Plan),
                HeadSha = context.HeadSha,
                Status = "in_progress",
                ExternalId = context.RunId,
                DetailsUrl = context.DetailsUrl,
                StartedAt = now,
                Output = new CheckRunOutput { Title = $"{cellIds.Count} cells queued", Summary = $"Run `{context.RunId}` accepted: {cellIds.Count} cells." },
            };
            await UpsertCheckRunAsync(repo, context, request, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        await outbox.DeliverAsync(StatusKey(context), $"statuses of {context.Plan} on {repo}@{Short(context.HeadSha)} pending", async ct =>
        {
            foreach (var cell in cellIds)
                await api.CreateStatusAsync(repo, context.HeadSha, new CommitStatus
                {
                    State = "pending", Context = CheckSummary.StatusContext(context.Plan, cell), Description = "queued", TargetUrl = context.DetailsUrl,
                }, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task RunCompletedAsync(GitHubRunContext context, RunResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(result);
        var repo = RepoRef.Parse(context.Repository);
        var summary = CheckSummary.Markdown(result);
        var title = CheckSummary.Title(result);
        var annotations = CheckSummary.Annotations(result);
        var completedAt = time.GetUtcNow();
        await outbox.DeliverAsync(CheckKey(context), $"check run {CheckSummary.CheckName(context.Plan)} on {repo}@{Short(context.HeadSha)} completed", async ct =>
        {
            var batches = annotations.Chunk(CheckSummary.MaxAnnotationsPerRequest).ToList();
            var request = new CheckRunRequest
            {
                Name = CheckSummary.CheckName(context.Plan),
                HeadSha = context.HeadSha,
                Status = "completed",
                Conclusion = CheckSummary.Conclusion(result),
                ExternalId = result.RunId,
                DetailsUrl = context.DetailsUrl,
                StartedAt = result.Started,
                CompletedAt = completedAt,
                Output = new CheckRunOutput { Title = title, Summary = summary, Annotations = batches.Count > 0 ? batches[0] : null },
            };
            var id = await UpsertCheckRunAsync(repo, context, request, ct).ConfigureAwait(false);
            // Each PATCH appends its annotations to the check run.
            foreach (var batch in batches.Skip(1))
                await api.UpdateCheckRunAsync(repo, id, new CheckRunRequest
                {
                    Name = request.Name,
                    Output = new CheckRunOutput { Title = title, Summary = summary, Annotations = batch },
                }, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        await outbox.DeliverAsync(StatusKey(context), $"statuses of {context.Plan} on {repo}@{Short(context.HeadSha)}", async ct =>
        {
            foreach (var cell in result.Cells)
                await api.CreateStatusAsync(repo, context.HeadSha, new CommitStatus
                {
                    State = CheckSummary.StatusState(cell.Verdict),
                    Context = CheckSummary.StatusContext(context.Plan, cell.CellId),
                    Description = Cut($"{CheckSummary.VerdictName(cell.Verdict)}: {cell.Tests.Count(t => t.Verdict is Verdict.Passed or Verdict.Flaky)}/{cell.Tests.Count} tests passed", 140),
                    TargetUrl = context.DetailsUrl,
                }, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        if (context.PullRequest is { } pr)
        {
            var body = CommentMarker(context.Plan) + "\n" + CheckSummary.Truncate(
                summary + $"\n\n<sub>TestFarm run `{CheckSummary.Escape(result.RunId)}` on {Short(context.HeadSha)}</sub>\n", 65_000);
            await outbox.DeliverAsync($"comment/{repo}/{pr}/{context.Plan}", $"sticky comment of {context.Plan} on {repo}#{pr}",
                ct => UpsertCommentAsync(repo, pr, context.Plan, body, ct), cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task NeedsApprovalAsync(GitHubRunContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var repo = RepoRef.Parse(context.Repository);
        var now = time.GetUtcNow();
        await outbox.DeliverAsync(CheckKey(context), $"check run {CheckSummary.CheckName(context.Plan)} on {repo}@{Short(context.HeadSha)} needs approval", ct =>
            UpsertCheckRunAsync(repo, context, new CheckRunRequest
            {
                Name = CheckSummary.CheckName(context.Plan),
                HeadSha = context.HeadSha,
                Status = "completed",
                Conclusion = "neutral",
                CompletedAt = now,
                Output = new CheckRunOutput
                {
                    Title = "needs /ok-to-test",
                    Summary = $"The author is not a member or collaborator. A trusted reviewer can comment `/ok-to-test` to run plan `{CheckSummary.Escape(context.Plan)}` on {Short(context.HeadSha)}; a new push needs a new approval.",
                },
            }, ct), cancellationToken).ConfigureAwait(false);
    }

    private async Task<long> UpsertCheckRunAsync(RepoRef repo, GitHubRunContext context, CheckRunRequest request, CancellationToken ct)
    {
        var key = CheckKey(context);
        if (_checkRuns.TryGetValue(key, out var id))
        {
            await api.UpdateCheckRunAsync(repo, id, request, ct).ConfigureAwait(false);
            return id;
        }
        id = await api.CreateCheckRunAsync(repo, request, ct).ConfigureAwait(false);
        _checkRuns[key] = id;
        return id;
    }

    private async Task UpsertCommentAsync(RepoRef repo, int pr, string plan, string body, CancellationToken ct)
    {
        await _commentGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var key = $"{repo}#{pr}/{plan}";
            if (!_comments.TryGetValue(key, out var id))
            {
                var marker = CommentMarker(plan);
                var existing = (await api.ListIssueCommentsAsync(repo, pr, ct).ConfigureAwait(false))
                    .FirstOrDefault(c => c.Body.Contains(marker, StringComparison.Ordinal));
                if (existing is null)
                {
                    _comments[key] = await api.CreateIssueCommentAsync(repo, pr, body, ct).ConfigureAwait(false);
                    return;
                }
                id = existing.Id;
                _comments[key] = id;
            }
            await api.UpdateIssueCommentAsync(repo, id, body, ct).ConfigureAwait(false);
        }
        finally { _commentGate.Release(); }
    }

    public void Dispose() => _commentGate.Dispose();

    private static string CheckKey(GitHubRunContext c) => $"check/{c.Repository}/{c.HeadSha}/{c.Plan}";

    private static string StatusKey(GitHubRunContext c) => $"status/{c.Repository}/{c.HeadSha}/{c.Plan}";

    private static string Short(string sha) => sha.Length > 7 ? sha[..7] : sha;

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
