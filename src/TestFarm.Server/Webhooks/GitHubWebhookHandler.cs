using Microsoft.Extensions.Options;
using TestFarm.Core.GitHub;
using TestFarm.Core.Plans;
using TestFarm.Core.Results;

namespace TestFarm.Server.Webhooks;

/// <summary>
/// Turns verified GitHub events into farm commands (<see cref="IRunTrigger"/>): pull requests queue the repository's plans
/// whose path filters match (a new push cancels the superseded runs first, <see cref="GitHubWebhookOptions.CancelSupersededRuns"/>);
/// <c>check_run.rerequested</c> reruns a plan, <c>check_suite.rerequested</c> all of a pull request's plans (a plan whose run
/// on that SHA is still going starts none, and the pull request gets a reply linking the running run); PR comments
/// carry <c>/test [plan]</c>, <c>/retest [plan]</c> (failed and infra-error cells of the last run of the head SHA),
/// <c>/cancel [plan]</c>, <c>/ok-to-test</c>. One run per plan and head SHA at a time: a command that would start a copy,
/// an unknown plan or an unknown command gets one reply comment saying so. Untrusted authors wait for a trusted
/// <c>/ok-to-test</c> bound to the head SHA (stored, so any instance knows it).
/// </summary>
public sealed class GitHubWebhookHandler(
    IRunTrigger trigger, IGitHubApi api, IGitHubReporter reporter, TrustPolicy trust, IOptions<GitHubWebhookOptions> options)
{
    private static readonly HashSet<string> PullRequestActions = new(StringComparer.Ordinal) { "opened", "synchronize", "reopened", "labeled" };

    /// <summary>Handles one event; returns what was done (empty: ignored).</summary>
    internal async Task<IReadOnlyList<string>> HandleAsync(string eventName, WebhookPayload payload, CancellationToken ct)
    {
        var done = new List<string>();
        var repo = payload.Repository?.FullName;
        if (repo is null) return done;
        switch (eventName)
        {
            case "pull_request" when payload.PullRequest is { } pr && PullRequestActions.Contains(payload.Action ?? ""):
                await OnPullRequestAsync(repo, pr, payload, done, ct).ConfigureAwait(false);
                break;
            case "issue_comment" when payload.Action == "created" && payload.Issue is { PullRequest: not null } issue && payload.Comment is { } comment:
                var replies = new List<string>();
                await OnCommentAsync(repo, issue.Number, comment, payload, done, replies, ct).ConfigureAwait(false);
                await ReplyAsync(repo, issue.Number, comment.User?.Login, replies, done, ct).ConfigureAwait(false);
                break;
            case "check_run" when payload.Action == "rerequested" && payload.CheckRun is { } run:
                await OnCheckRunRerequestedAsync(repo, run, payload, done, ct).ConfigureAwait(false);
                break;
            case "check_suite" when payload.Action == "rerequested" && payload.CheckSuite is { PullRequests: [var first, ..] } suite:
                // "Re-run all checks": every plan of the pull request again, on the suite's head SHA.
                var suitePr = await api.GetPullRequestAsync(RepoRef.Parse(repo), first.Number, ct).ConfigureAwait(false);
                var plans = await PlansForAsync(repo, first.Number, ct).ConfigureAwait(false);
                var suiteReplies = new List<string>();
                await RunPlansAsync(repo, first.Number, suite.HeadSha!, suitePr.AuthorAssociation, plans, "check_suite.rerequested", payload, done, suiteReplies, ct).ConfigureAwait(false);
                await ReplyAsync(repo, first.Number, payload.Sender?.Login, suiteReplies, done, ct).ConfigureAwait(false);
                break;
        }
        return done;
    }

    private async Task OnPullRequestAsync(string repo, PullRequestPayload pr, WebhookPayload payload, List<string> done, CancellationToken ct)
    {
        var plans = await PlansForAsync(repo, pr.Number, ct).ConfigureAwait(false);
        if (payload.Action == "synchronize" && plans.Count > 0 && options.Value.CancelSupersededRuns)
        {
            await trigger.CancelAsync(repo, pr.Number, null, ct).ConfigureAwait(false);
            done.Add("cancel superseded runs");
        }
        await RunPlansAsync(repo, pr.Number, pr.Head!.Sha!, pr.AuthorAssociation, plans, $"pull_request.{payload.Action}", payload, done, null, ct).ConfigureAwait(false);
    }

    private async Task OnCommentAsync(string repo, int number, CommentPayload comment, WebhookPayload payload, List<string> done, List<string> replies, CancellationToken ct)
    {
        var commands = PrCommandParser.Parse(comment.Body);
        if (commands.Count == 0) return;
        var pr = await api.GetPullRequestAsync(RepoRef.Parse(repo), number, ct).ConfigureAwait(false);
        var commenterTrusted = TrustPolicy.IsTrusted(comment.AuthorAssociation);
        foreach (var command in commands)
        {
            if (command.Kind == PrCommandKind.Unknown)
            {
                replies.Add($"`{command.Plan}` is not a command here; the commands are {PrCommand.Known}.");
                done.Add($"{command.Plan}: unknown command");
                continue;
            }
            if (command.Kind == PrCommandKind.OkToTest)
            {
                if (!await trust.ApproveAsync(repo, number, pr.HeadSha, comment.User?.Login ?? "?", comment.AuthorAssociation, ct).ConfigureAwait(false))
                {
                    done.Add($"/ok-to-test ignored: {comment.User?.Login} is not trusted");
                    continue;
                }
                done.Add($"/ok-to-test by {comment.User?.Login} for {pr.HeadSha}");
                var plans = await PlansForAsync(repo, number, ct).ConfigureAwait(false);
                await RunPlansAsync(repo, number, pr.HeadSha, pr.AuthorAssociation, plans, "/ok-to-test", payload, done, replies, ct).ConfigureAwait(false);
                continue;
            }
            var decision = await trust.DecideAsync(repo, number, pr.HeadSha, pr.AuthorAssociation, ct).ConfigureAwait(false);
            var isAuthor = string.Equals(comment.User?.Login, pr.AuthorLogin, StringComparison.OrdinalIgnoreCase);
            if (!commenterTrusted && !(isAuthor && decision == TrustDecision.Approved))
            {
                done.Add($"/{Name(command.Kind)} ignored: {comment.User?.Login} may not run commands here");
                continue;
            }
            if (command.Kind != PrCommandKind.Cancel && decision == TrustDecision.NeedsApproval)
            {
                done.Add($"/{Name(command.Kind)} waits: the change needs /ok-to-test for {pr.HeadSha}");
                replies.Add($"`/{Name(command.Kind)}` waits: {Short(pr.HeadSha)} needs a trusted `/ok-to-test` first.");
                continue;
            }
            var selected = await SelectPlansAsync(repo, number, command.Plan, ct).ConfigureAwait(false);
            if (command.Plan is not null && selected.Count == 0)
            {
                var known = ConfiguredPlans(repo).Select(p => $"`{p.Name}`").Order(StringComparer.Ordinal).ToList();
                replies.Add($"`/{Name(command.Kind)} {command.Plan}`: no such plan for {repo}; known plans: {(known.Count == 0 ? "none" : string.Join(", ", known))}.");
                done.Add($"/{Name(command.Kind)} {command.Plan}: unknown plan");
                continue;
            }
            switch (command.Kind)
            {
                case PrCommandKind.Test:
                    await RunPlansAsync(repo, number, pr.HeadSha, pr.AuthorAssociation, selected, "/test", payload, done, replies, ct).ConfigureAwait(false);
                    break;
                case PrCommandKind.Retest:
                    foreach (var plan in selected) await RetestAsync(repo, number, pr, plan, decision, done, replies, ct).ConfigureAwait(false);
                    break;
                case PrCommandKind.Cancel:
                    await trigger.CancelAsync(repo, number, command.Plan, ct).ConfigureAwait(false);
                    done.Add($"cancel {command.Plan ?? "all plans"}");
                    break;
            }
        }
    }

    private async Task RetestAsync(string repo, int number, PullRequestInfo pr, Plan plan, TrustDecision decision, List<string> done, List<string> replies, CancellationToken ct)
    {
        var latest = await trigger.LatestResultAsync(repo, number, plan.Name, pr.HeadSha, ct).ConfigureAwait(false);
        var cells = latest?.Cells.Where(c => c.Verdict is Verdict.Failed or Verdict.InfraError).Select(c => c.CellId).ToList() ?? [];
        if (cells.Count == 0)
        {
            done.Add($"retest {plan.Name}: no failed cells");
            replies.Add(latest is null
                ? $"`/retest`: plan `{plan.Name}` has no finished run on {Short(pr.HeadSha)} yet; nothing to rerun."
                : $"`/retest`: the last run of `{plan.Name}` on {Short(pr.HeadSha)} (`{latest.RunId}`) has no failed or infra-error cell.");
            return;
        }
        var answer = await trigger.RerunCellsAsync(new CellRerunRequest
        {
            Plan = plan.Name, Repository = repo, HeadSha = pr.HeadSha, PullRequest = number, CellIds = cells,
            Untrusted = decision != TrustDecision.Trusted, Reason = "/retest",
        }, ct).ConfigureAwait(false);
        if (Running(plan.Name, pr.HeadSha, answer, done, replies)) return;
        done.Add($"rerun {plan.Name}: {string.Join(", ", cells)}");
    }

    private async Task OnCheckRunRerequestedAsync(string repo, CheckRunPayload run, WebhookPayload payload, List<string> done, CancellationToken ct)
    {
        const string prefix = "testfarm/";
        if (run.Name is null || run.HeadSha is null || !run.Name.StartsWith(prefix, StringComparison.Ordinal)) return;
        var plan = ConfiguredPlans(repo).FirstOrDefault(p => p.Name == run.Name[prefix.Length..]);
        if (plan is null) return;
        var number = run.PullRequests is [var first, ..] ? first.Number : (int?)null;
        string? association = "COLLABORATOR"; // Only users with write access can re-run checks.
        if (number is { } n)
        {
            var pr = await api.GetPullRequestAsync(RepoRef.Parse(repo), n, ct).ConfigureAwait(false);
            association = pr.AuthorAssociation;
            if (await trust.DecideAsync(repo, n, run.HeadSha, association, ct).ConfigureAwait(false) == TrustDecision.NeedsApproval)
            {
                await reporter.NeedsApprovalAsync(Context(repo, run.HeadSha, plan.Name, n), ct).ConfigureAwait(false);
                done.Add($"{plan.Name}: needs /ok-to-test");
                return;
            }
        }
        // A run of this plan on this SHA still going: the check run already shows it in progress (it is that run's check), so
        // the person who pressed Re-run is told on the pull request why nothing new started, with the running run's link.
        var replies = new List<string>();
        await QueueAsync(repo, number, run.HeadSha, plan, association, "check_run.rerequested", payload, done, replies, ct).ConfigureAwait(false);
        if (number is { } pull) await ReplyAsync(repo, pull, payload.Sender?.Login, replies, done, ct).ConfigureAwait(false);
    }

    private async Task ReplyAsync(string repo, int pull, string? login, List<string> replies, List<string> done, CancellationToken ct)
    {
        if (replies.Count == 0) return;
        var who = login is not null ? $"@{login} " : "";
        await reporter.ReplyAsync(repo, pull, who + string.Join("\n", replies.Select(r => "- " + r)), ct).ConfigureAwait(false);
        done.Add($"reply: {replies.Count} lines");
    }

    private async Task RunPlansAsync(string repo, int number, string sha, string? authorAssociation, IReadOnlyList<Plan> plans,
        string reason, WebhookPayload payload, List<string> done, List<string>? replies, CancellationToken ct)
    {
        var decision = await trust.DecideAsync(repo, number, sha, authorAssociation, ct).ConfigureAwait(false);
        foreach (var plan in plans)
        {
            if (decision == TrustDecision.NeedsApproval)
            {
                await reporter.NeedsApprovalAsync(Context(repo, sha, plan.Name, number), ct).ConfigureAwait(false);
                done.Add($"{plan.Name}: needs /ok-to-test");
                continue;
            }
            await QueueAsync(repo, number, sha, plan, authorAssociation, reason, payload, done, replies, ct).ConfigureAwait(false);
        }
    }

    private async Task QueueAsync(string repo, int? number, string sha, Plan plan, string? authorAssociation, string reason,
        WebhookPayload payload, List<string> done, List<string>? replies, CancellationToken ct)
    {
        var untrusted = !TrustPolicy.IsTrusted(authorAssociation);
        var answer = await trigger.QueuePlanAsync(new PlanRunRequest
        {
            Plan = plan.Name, Repository = repo, HeadSha = sha, PullRequest = number, Untrusted = untrusted, Reason = reason,
            InstallationId = payload.Installation?.Id,
        }, ct).ConfigureAwait(false);
        if (Running(plan.Name, sha, answer, done, replies)) return;
        done.Add($"queue {plan.Name} on {sha}{(untrusted ? " (untrusted: full reimage)" : "")}");
    }

    /// <summary>True (and said so) when a run of the plan on this SHA is already going, so none was started.</summary>
    private static bool Running(string plan, string sha, TriggerAnswer answer, List<string> done, List<string>? replies)
    {
        if (answer.RunningRunId is not { } running) return false;
        done.Add($"{plan} on {sha}: run {running} is already going");
        replies?.Add($"plan `{plan}` on {Short(sha)}: run [`{running}`]({answer.Link}) is already going; no second run was started.");
        return true;
    }

    private IEnumerable<Plan> ConfiguredPlans(string repo) => options.Value.Plans.Where(p =>
        p.Trigger.Kind == TriggerKind.PullRequest
        && (p.Trigger.Repositories.Count == 0 || p.Trigger.Repositories.Contains(repo, StringComparer.OrdinalIgnoreCase)));

    /// <summary>The repository's pull-request plans whose path filters match the PR's changed files.</summary>
    private async Task<IReadOnlyList<Plan>> PlansForAsync(string repo, int number, CancellationToken ct)
    {
        var plans = ConfiguredPlans(repo).ToList();
        if (plans.All(p => p.Trigger.Paths.Count == 0)) return plans;
        var files = await api.ListPullRequestFilesAsync(RepoRef.Parse(repo), number, ct).ConfigureAwait(false);
        return [.. plans.Where(p => PathFilter.Matches(p.Trigger.Paths, files))];
    }

    private async Task<IReadOnlyList<Plan>> SelectPlansAsync(string repo, int number, string? name, CancellationToken ct) =>
        name is null
            ? await PlansForAsync(repo, number, ct).ConfigureAwait(false)
            : [.. ConfiguredPlans(repo).Where(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))];

    private GitHubRunContext Context(string repo, string sha, string plan, int? number) => new()
    {
        Repository = repo, HeadSha = sha, Plan = plan, PullRequest = number, DetailsUrl = options.Value.DetailsUrl,
    };

    private static string Short(string sha) => sha.Length > 7 ? sha[..7] : sha;

    private static string Name(PrCommandKind kind) => kind switch
    {
        PrCommandKind.OkToTest => "ok-to-test",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
