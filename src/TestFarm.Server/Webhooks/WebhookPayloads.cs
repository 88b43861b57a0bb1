using System.Text.Json;
using System.Text.Json.Serialization;

namespace TestFarm.Server.Webhooks;

// What the handler reads of a GitHub webhook payload (pull_request, issue_comment, check_run, check_suite), filled from
// Octokit.Webhooks' typed events by WebhookPayloadParser. Members GitHub may send as null are nullable here.

internal sealed record WebhookPayload(
    string? Action, int? Number, PullRequestPayload? PullRequest, IssuePayload? Issue, CommentPayload? Comment,
    CheckRunPayload? CheckRun, CheckSuitePayload? CheckSuite, RepositoryPayload? Repository, InstallationPayload? Installation, UserPayload? Sender);

internal sealed record PullRequestPayload(int Number, HeadPayload? Head, UserPayload? User, string? AuthorAssociation);

internal sealed record HeadPayload(string? Sha, string? Ref, RepositoryPayload? Repo);

/// <summary>An issue; <see cref="PullRequest"/> is set when the issue is a pull request.</summary>
internal sealed record IssuePayload(int Number, IssuePullRequestPayload? PullRequest);

internal sealed record IssuePullRequestPayload(string? Url);

internal sealed record CommentPayload(long Id, string? Body, UserPayload? User, string? AuthorAssociation);

internal sealed record CheckRunPayload(long Id, string? Name, string? HeadSha, IReadOnlyList<CheckRunPullRequest>? PullRequests);

internal sealed record CheckRunPullRequest(int Number);

internal sealed record CheckSuitePayload(long Id, string? HeadSha, IReadOnlyList<CheckRunPullRequest>? PullRequests);

internal sealed record RepositoryPayload(string FullName);

internal sealed record InstallationPayload(long Id);

internal sealed record UserPayload(string Login);

/// <summary>What the endpoint answers: what it did with the delivery.</summary>
public sealed record WebhookResponse(string Event, string? Action, bool Handled, IReadOnlyList<string> Actions);

/// <summary>The other events' members the endpoint reads: the action and the repository, to log and ignore them.</summary>
internal sealed record OtherEventPayload(string? Action, RepositoryPayload? Repository);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(WebhookResponse))]
[JsonSerializable(typeof(OtherEventPayload))]
internal sealed partial class WebhookJsonContext : JsonSerializerContext;
