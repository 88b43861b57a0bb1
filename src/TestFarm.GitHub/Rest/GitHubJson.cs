using System.Text.Json.Serialization;
using TestFarm.Core.GitHub;

namespace TestFarm.GitHub.Rest;

internal sealed record IdResponse(long Id);

internal sealed record CommentResponse(long Id, string? Body);

internal sealed record CommentBody(string Body);

internal sealed record PullFile(string Filename);

internal sealed record PullUser(string? Login);

internal sealed record PullRepo(string? FullName);

internal sealed record PullHead(string Sha, PullRepo? Repo);

internal sealed record PullResponse(int Number, PullHead Head, PullUser? User, string? AuthorAssociation);

internal sealed record InstallationToken(string Token, DateTimeOffset ExpiresAt);

internal sealed record ErrorResponse(string? Message);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CheckRunRequest))]
[JsonSerializable(typeof(CommitStatus))]
[JsonSerializable(typeof(CommentBody))]
[JsonSerializable(typeof(IdResponse))]
[JsonSerializable(typeof(List<CommentResponse>))]
[JsonSerializable(typeof(CommentResponse))]
[JsonSerializable(typeof(List<PullFile>))]
[JsonSerializable(typeof(PullResponse))]
[JsonSerializable(typeof(InstallationToken))]
[JsonSerializable(typeof(ErrorResponse))]
internal sealed partial class GitHubJsonContext : JsonSerializerContext;
