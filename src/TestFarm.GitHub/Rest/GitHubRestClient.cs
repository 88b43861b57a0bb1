using TestFarm.Core.Time;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using TestFarm.Core.GitHub;
using TestFarm.GitHub.Auth;

namespace TestFarm.GitHub.Rest;

/// <summary>
/// The typed GitHub REST client. Each attempt has its own timeout; 5xx, timeouts and rate limits are retried
/// (Retry-After / X-RateLimit-Reset honoured, exponential backoff otherwise, at most <see cref="GitHubOptions.MaxRetries"/>
/// times); other 4xx are refusals: they fail at once with a <see cref="GitHubApiException"/> marked
/// <see cref="GitHubApiException.Refused"/>, and are logged.
/// </summary>
public sealed partial class GitHubRestClient : IGitHubApi
{
    private readonly HttpClient _http;
    private readonly ITokenSource _tokens;
    private readonly GitHubOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    public GitHubRestClient(HttpClient http, ITokenSource tokens, GitHubOptions options, TimeProvider time, ILogger<GitHubRestClient> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _tokens = tokens;
        _options = options;
        _time = time;
        _logger = logger;
        _pipeline = BuildPipeline();
    }

    public async Task<long> CreateCheckRunAsync(RepoRef repo, CheckRunRequest request, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Post, $"{R(repo)}/check-runs", request, GitHubJsonContext.Default.CheckRunRequest,
            GitHubJsonContext.Default.IdResponse, cancellationToken).ConfigureAwait(false))!.Id;

    public Task UpdateCheckRunAsync(RepoRef repo, long checkRunId, CheckRunRequest request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Patch, $"{R(repo)}/check-runs/{checkRunId}", request with { HeadSha = null },
            GitHubJsonContext.Default.CheckRunRequest, GitHubJsonContext.Default.IdResponse, cancellationToken);

    public Task CreateStatusAsync(RepoRef repo, string sha, CommitStatus status, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, $"{R(repo)}/statuses/{Uri.EscapeDataString(sha)}", status,
            GitHubJsonContext.Default.CommitStatus, GitHubJsonContext.Default.IdResponse, cancellationToken);

    public async Task<IReadOnlyList<IssueComment>> ListIssueCommentsAsync(RepoRef repo, int issueNumber, CancellationToken cancellationToken)
    {
        var all = new List<IssueComment>();
        for (var page = 1; page <= 50; page++)
        {
            var batch = await SendAsync<object, List<CommentResponse>>(HttpMethod.Get,
                $"{R(repo)}/issues/{issueNumber}/comments?per_page=100&page={page}", null, null,
                GitHubJsonContext.Default.ListCommentResponse, cancellationToken).ConfigureAwait(false) ?? [];
            all.AddRange(batch.Select(c => new IssueComment(c.Id, c.Body ?? "")));
            if (batch.Count < 100) break;
        }
        return all;
    }

    public async Task<long> CreateIssueCommentAsync(RepoRef repo, int issueNumber, string body, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Post, $"{R(repo)}/issues/{issueNumber}/comments", new CommentBody(body),
            GitHubJsonContext.Default.CommentBody, GitHubJsonContext.Default.CommentResponse, cancellationToken).ConfigureAwait(false))!.Id;

    public Task UpdateIssueCommentAsync(RepoRef repo, long commentId, string body, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Patch, $"{R(repo)}/issues/comments/{commentId}", new CommentBody(body),
            GitHubJsonContext.Default.CommentBody, GitHubJsonContext.Default.CommentResponse, cancellationToken);

    public async Task<IReadOnlyList<string>> ListPullRequestFilesAsync(RepoRef repo, int pullNumber, CancellationToken cancellationToken)
    {
        var files = new List<string>();
        // GitHub lists at most 3000 files of a pull request.
        for (var page = 1; page <= 30; page++)
        {
            var batch = await SendAsync<object, List<PullFile>>(HttpMethod.Get,
                $"{R(repo)}/pulls/{pullNumber}/files?per_page=100&page={page}", null, null,
                GitHubJsonContext.Default.ListPullFile, cancellationToken).ConfigureAwait(false) ?? [];
            files.AddRange(batch.Select(f => f.Filename));
            if (batch.Count < 100) break;
        }
        return files;
    }

    public async Task<PullRequestInfo> GetPullRequestAsync(RepoRef repo, int pullNumber, CancellationToken cancellationToken)
    {
        var pr = await SendAsync<object, PullResponse>(HttpMethod.Get, $"{R(repo)}/pulls/{pullNumber}", null, null,
            GitHubJsonContext.Default.PullResponse, cancellationToken).ConfigureAwait(false);
        return new PullRequestInfo
        {
            Number = pr!.Number,
            HeadSha = pr.Head.Sha,
            HeadRepository = pr.Head.Repo?.FullName,
            AuthorLogin = pr.User?.Login,
            AuthorAssociation = pr.AuthorAssociation,
        };
    }

    internal static void AddStandardHeaders(HttpRequestMessage request)
    {
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.github+json"));
        request.Headers.Add("X-GitHub-Api-Version", "2022-11-28");
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("TestFarm", "1.0"));
    }

    internal static async Task<string?> ReadMessageAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return Message(text);
    }

    /// <summary>GitHub's <c>message</c> from an error body (else the body), at most 300 characters.</summary>
    private static string? Message(string text)
    {
        try
        {
            return Cut(System.Text.Json.JsonSerializer.Deserialize(text, GitHubJsonContext.Default.ErrorResponse)?.Message ?? text);
        }
        catch (System.Text.Json.JsonException) { return Cut(text); }
    }

    private static string? Cut(string text) => text.Length == 0 ? null : text.Length <= 300 ? text : $"{text[..300]}… ({text.Length} characters)";

    private static string R(RepoRef repo) => $"repos/{Uri.EscapeDataString(repo.Owner)}/{Uri.EscapeDataString(repo.Name)}";

    private async Task<TResponse?> SendAsync<TBody, TResponse>(HttpMethod method, string path, TBody? body,
        JsonTypeInfo<TBody>? bodyType, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken)
    {
        var url = new Uri(_options.BaseUrl, path);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(PathKey, $"{method} {url.AbsolutePath}");
        HttpResponseMessage response;
        try
        {
            response = await _pipeline.ExecuteAsync(async ctx =>
            {
                using var request = new HttpRequestMessage(method, url);
                AddStandardHeaders(request);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer",
                    await _tokens.GetTokenAsync(ctx.CancellationToken).ConfigureAwait(false));
                if (body is not null && bodyType is not null) request.Content = JsonContent.Create(body, bodyType);
                using var timeout = new TimeoutSource(_time, _options.RequestTimeout, ctx.CancellationToken);
                try
                {
                    return await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException e) when (!ctx.CancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"GitHub {method} {url} timed out after {_options.RequestTimeout}", e);
                }
            }, context).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException)
        {
            throw new GitHubApiException(method.Method, url, null, e.Message, e);
        }
        finally { ResilienceContextPool.Shared.Return(context); }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                var refused = !RateLimits.IsRetryable(response.StatusCode, response.Headers, text);
                var error = new GitHubApiException(method.Method, url, (int)response.StatusCode, Message(text)) { Refused = refused };
                if (refused) Log.Refused(_logger, $"{method} {url.AbsolutePath}", (int)response.StatusCode, error.GitHubMessage ?? "");
                throw error;
            }
            if (response.Content.Headers.ContentLength == 0) return default;
            return await response.Content.ReadFromJsonAsync(responseType, cancellationToken).ConfigureAwait(false);
        }
    }

    private static readonly ResiliencePropertyKey<string> PathKey = new("testfarm.github.path");

    private ResiliencePipeline<HttpResponseMessage> BuildPipeline()
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = _time };
        if (_options.MaxRetries == 0) return builder.Build();
        return builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
        {
            MaxRetryAttempts = _options.MaxRetries,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = _options.RetryBaseDelay,
            ShouldHandle = async args => args.Outcome switch
            {
                { Exception: HttpRequestException or TimeoutException } => true,
                { Result: { IsSuccessStatusCode: false } r } => RateLimits.IsRetryable(r.StatusCode, r.Headers,
                    await r.Content.ReadAsStringAsync(args.Context.CancellationToken).ConfigureAwait(false))
                    && (RateLimits.RequestedDelay(r.Headers, _time.GetUtcNow()) ?? TimeSpan.Zero) <= _options.MaxRetryDelay,
                _ => false,
            },
            DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result is { } r
                ? RateLimits.RequestedDelay(r.Headers, _time.GetUtcNow())
                : null),
            OnRetry = args =>
            {
                var status = args.Outcome.Result is { } r ? ((int)r.StatusCode).ToString(CultureInfo.InvariantCulture) : args.Outcome.Exception?.GetType().Name ?? "?";
                Log.Retry(_logger, args.Context.Properties.GetValue(PathKey, "?"), status, args.AttemptNumber + 1, args.RetryDelay);
                args.Outcome.Result?.Dispose();
                return ValueTask.CompletedTask;
            },
        }).Build();
    }
}
