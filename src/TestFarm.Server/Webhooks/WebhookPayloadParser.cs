using System.Text.Json;
using Octokit.Webhooks.Events;
using Octokit.Webhooks.Events.CheckRun;
using Octokit.Webhooks.Events.CheckSuite;
using Octokit.Webhooks.Events.IssueComment;
using Octokit.Webhooks.Events.PullRequest;

namespace TestFarm.Server.Webhooks;

/// <summary>
/// Reads a verified delivery through Octokit.Webhooks' typed events: <c>pull_request</c> (opened, synchronize, reopened,
/// labeled), <c>issue_comment.created</c>, <c>check_run.rerequested</c> and <c>check_suite.rerequested</c>, the ones the
/// handler acts on. Any other event or action is only checked to be JSON and read for its action and repository, so a
/// new GitHub event or action is ignored, never refused.
/// </summary>
internal static class WebhookPayloadParser
{
    /// <summary>The payload, or why not: a field (null for the body as a whole) and a reason without .NET type names.</summary>
    public static (WebhookPayload? Payload, string? Field, string? Reason) Parse(string eventName, byte[] body)
    {
        try
        {
            var action = Action(body);
            WebhookPayload? payload = (eventName, action) switch
            {
                // The concrete event types (not the action-dispatching base types), so errors carry the JSON path.
                ("pull_request", "opened") => From(JsonSerializer.Deserialize<PullRequestOpenedEvent>(body)),
                ("pull_request", "synchronize") => From(JsonSerializer.Deserialize<PullRequestSynchronizeEvent>(body)),
                ("pull_request", "reopened") => From(JsonSerializer.Deserialize<PullRequestReopenedEvent>(body)),
                ("pull_request", "labeled") => From(JsonSerializer.Deserialize<PullRequestLabeledEvent>(body)),
                ("issue_comment", "created") => From(JsonSerializer.Deserialize<IssueCommentCreatedEvent>(body)),
                ("check_run", "rerequested") => From(JsonSerializer.Deserialize<CheckRunRerequestedEvent>(body)),
                ("check_suite", "rerequested") => From(JsonSerializer.Deserialize<CheckSuiteRerequestedEvent>(body)),
                _ => From(JsonSerializer.Deserialize(body, WebhookJsonContext.Default.OtherEventPayload)),
            };
            return payload is null ? (null, "$", "the payload is null") : (payload, null, null);
        }
        catch (FormatException e)
        {
            // Octokit.Webhooks' date-time converter throws FormatException (no JSON path) for a date it cannot read.
            var value = WebhookPayloadCheck.Unreadable(e);
            var path = value is null ? null : WebhookPayloadCheck.PathOf(body, value);
            return (null, null, $"malformed JSON at {Api.Problems.Echo(path ?? "$", 120)}: a date-time value is not valid (ISO 8601 expected)");
        }
        catch (JsonException e)
        {
            return WebhookPayloadCheck.MissingMember(e) is { } field
                ? (null, field, $"{field} is missing; nothing was started")
                : (null, null, WebhookPayloadCheck.Describe(e));
        }
    }

    /// <summary>The top-level <c>action</c> (null when there is none); throws <see cref="JsonException"/> on malformed JSON before it.</summary>
    private static string? Action(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isAction = reader.ValueTextEquals("action"u8);
            reader.Read();
            if (isAction) return reader.TokenType == JsonTokenType.String ? ActionString(ref reader) : null;
            reader.Skip();
        }
        return null;
    }

    /// <summary>The action's text; a string that is not valid UTF-8 is malformed JSON at <c>$.action</c>, as the serializer would say.</summary>
    private static string ActionString(ref Utf8JsonReader reader)
    {
        try { return reader.GetString()!; }
        catch (InvalidOperationException)
        {
            throw new JsonException("the string is not valid UTF-8.", "$.action", 0, reader.TokenStartIndex);
        }
    }

    private static WebhookPayload? From(OtherEventPayload? e) =>
        e is null ? null : new WebhookPayload(e.Action, null, null, null, null, null, null, e.Repository, null, null);

    private static WebhookPayload? From(PullRequestEvent? e)
    {
        if (e is null) return null;
        var pr = e.PullRequest;
        var head = pr?.Head is { } h ? new HeadPayload(h.Sha, h.Ref, Repo(h.Repo)) : null;
        return Base(e) with
        {
            Number = (int)e.Number,
            PullRequest = pr is null ? null : new PullRequestPayload((int)pr.Number, head, User(pr.User), pr.AuthorAssociation?.StringValue),
        };
    }

    private static WebhookPayload? From(IssueCommentEvent? e)
    {
        if (e is null) return null;
        var c = e.Comment;
        return Base(e) with
        {
            Issue = e.Issue is { } issue ? new IssuePayload((int)issue.Number, issue.PullRequest is { } p ? new IssuePullRequestPayload(p.Url) : null) : null,
            Comment = c is null ? null : new CommentPayload(c.Id, c.Body, User(c.User), c.AuthorAssociation?.StringValue),
        };
    }

    private static WebhookPayload? From(CheckRunEvent? e) =>
        e is null ? null : Base(e) with
        {
            CheckRun = e.CheckRun is { } r
                ? new CheckRunPayload(r.Id, r.Name, r.HeadSha, r.PullRequests?.Select(p => new CheckRunPullRequest((int)p.Number)).ToList())
                : null,
        };

    private static WebhookPayload? From(CheckSuiteEvent? e) =>
        e is null ? null : Base(e) with
        {
            CheckSuite = e.CheckSuite is { } s
                ? new CheckSuitePayload(s.Id, s.HeadSha, s.PullRequests?.Select(p => new CheckRunPullRequest((int)p.Number)).ToList())
                : null,
        };

    private static WebhookPayload Base(Octokit.Webhooks.WebhookEvent e) => new(
        e.Action, null, null, null, null, null, null, Repo(e.Repository),
        e.Installation is { } i ? new InstallationPayload(i.Id) : null, User(e.Sender));

    private static RepositoryPayload? Repo(Octokit.Webhooks.Models.Repository? r) => r?.FullName is { } name ? new RepositoryPayload(name) : null;

    private static UserPayload? User(Octokit.Webhooks.Models.User? u) => u?.Login is { } login ? new UserPayload(login) : null;
}
