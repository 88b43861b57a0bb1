using System.Text.Json;
using System.Text.Json.Serialization;

namespace TestFarm.Server.Webhooks;

// The members of GitHub webhook payloads that TestFarm reads (pull_request, issue_comment, check_run).

internal sealed record WebhookPayload(
    string? Action, int? Number, PullRequestPayload? PullRequest, IssuePayload? Issue, CommentPayload? Comment,
    CheckRunPayload? CheckRun, CheckSuitePayload? CheckSuite, RepositoryPayload? Repository, InstallationPayload? Installation, UserPayload? Sender);

internal sealed record PullRequestPayload(int Number, HeadPayload? Head, UserPayload? User, string? AuthorAssociation);

internal sealed record HeadPayload(string? Sha, string? Ref, RepositoryPayload? Repo);

internal sealed record IssuePayload(int Number, JsonElement? PullRequest);

internal sealed record CommentPayload(long Id, string? Body, UserPayload? User, string? AuthorAssociation);

internal sealed record CheckRunPayload(long Id, string? Name, string? HeadSha, IReadOnlyList<CheckRunPullRequest>? PullRequests);

internal sealed record CheckRunPullRequest(int Number);

internal sealed record CheckSuitePayload(long Id, string? HeadSha, IReadOnlyList<CheckRunPullRequest>? PullRequests);

internal sealed record RepositoryPayload(string FullName);

internal sealed record InstallationPayload(long Id);

internal sealed record UserPayload(string Login);

/// <summary>What the endpoint answers: what it did with the delivery.</summary>
public sealed record WebhookResponse(string Event, string? Action, bool Handled, IReadOnlyList<string> Actions);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(WebhookPayload))]
[JsonSerializable(typeof(WebhookResponse))]
internal sealed partial class WebhookJsonContext : JsonSerializerContext;
