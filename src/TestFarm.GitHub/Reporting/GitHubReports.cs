using System.Text.Json;
using TestFarm.Core.GitHub;
using TestFarm.Core.Results;

namespace TestFarm.GitHub.Reporting;

/// <summary>
/// The outbox messages that report a run on GitHub, one per thing they update: the plan's check run on the head SHA, the
/// cells' commit statuses, the plan's sticky PR comment, a reply. Built where the run's state is recorded, so they are
/// stored in the same transaction; sent later by <see cref="ReportSender"/>.
/// </summary>
public static class GitHubReports
{
    internal const string CheckAccepted = "check-accepted";
    internal const string StatusesAccepted = "statuses-accepted";
    internal const string CheckCompleted = "check-completed";
    internal const string StatusesCompleted = "statuses-completed";
    internal const string CommentCompleted = "comment-completed";
    internal const string CheckNeedsApproval = "check-needs-approval";
    internal const string Reply = "reply";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The run was accepted: check run in_progress, statuses pending.</summary>
    public static IReadOnlyList<OutboxMessage> Accepted(GitHubRunContext context, IReadOnlyList<string> cellIds, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(context);
        var payload = Write(new ReportPayload { Context = context, Cells = cellIds, At = at });
        return
        [
            new(CheckKey(context), CheckAccepted, payload, $"check run {CheckSummary.CheckName(context.Plan)} on {context.Repository}@{Short(context.HeadSha)} in_progress"),
            new(StatusKey(context), StatusesAccepted, payload, $"statuses of {context.Plan} on {context.Repository}@{Short(context.HeadSha)} pending"),
        ];
    }

    /// <summary>The run ended: check run completed (cancelled when <paramref name="cancelled"/>), statuses, sticky comment on a pull request.</summary>
    public static IReadOnlyList<OutboxMessage> Completed(GitHubRunContext context, RunResult result, DateTimeOffset at, bool cancelled = false)
    {
        ArgumentNullException.ThrowIfNull(context);
        var payload = Write(new ReportPayload { Context = context, Result = result, At = at, Cancelled = cancelled });
        var messages = new List<OutboxMessage>
        {
            new(CheckKey(context), CheckCompleted, payload, $"check run {CheckSummary.CheckName(context.Plan)} on {context.Repository}@{Short(context.HeadSha)} {(cancelled ? "cancelled" : "completed")}"),
            new(StatusKey(context), StatusesCompleted, payload, $"statuses of {context.Plan} on {context.Repository}@{Short(context.HeadSha)}"),
        };
        if (context.PullRequest is { } pr)
            messages.Add(new(CommentKey(context.Repository, pr, context.Plan), CommentCompleted, payload, $"sticky comment of {context.Plan} on {context.Repository}#{pr}"));
        return messages;
    }

    /// <summary>An untrusted author's change waits for <c>/ok-to-test</c>: a neutral check run.</summary>
    public static IReadOnlyList<OutboxMessage> NeedsApproval(GitHubRunContext context, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(context);
        return [new(CheckKey(context), CheckNeedsApproval, Write(new ReportPayload { Context = context, At = at }),
            $"check run {CheckSummary.CheckName(context.Plan)} on {context.Repository}@{Short(context.HeadSha)} needs approval")];
    }

    /// <summary>A reply comment on a pull request; <paramref name="replyId"/> makes its key unique (e.g. the delivery and the command).</summary>
    public static OutboxMessage Replying(string repository, int pullRequest, string body, string replyId) =>
        new($"reply/{repository}#{pullRequest}/{replyId}", Reply,
            Write(new ReportPayload { Context = new GitHubRunContext { Repository = repository, HeadSha = "", Plan = "", PullRequest = pullRequest }, Body = body }),
            $"reply on {repository}#{pullRequest}");

    internal static string CheckKey(GitHubRunContext c) => $"check/{c.Repository}/{c.HeadSha}/{c.Plan}".ToLowerInvariant();

    internal static string StatusKey(GitHubRunContext c) => $"status/{c.Repository}/{c.HeadSha}/{c.Plan}".ToLowerInvariant();

    internal static string CommentKey(string repository, int pr, string plan) => $"comment/{repository}#{pr}/{plan}".ToLowerInvariant();

    internal static string Short(string sha) => sha.Length > 7 ? sha[..7] : sha;

    private static string Write(ReportPayload payload) => JsonSerializer.Serialize(payload, Json);

    internal static ReportPayload Read(OutboxMessage message) =>
        JsonSerializer.Deserialize<ReportPayload>(message.Payload, Json) ?? throw new JsonException($"outbox message {message.Key}: the payload is null");
}

/// <summary>What an outbox message carries (JSON in the store).</summary>
internal sealed record ReportPayload
{
    public required GitHubRunContext Context { get; init; }
    public IReadOnlyList<string>? Cells { get; init; }
    public RunResult? Result { get; init; }
    public DateTimeOffset At { get; init; }
    public bool Cancelled { get; init; }
    public string? Body { get; init; }
}
