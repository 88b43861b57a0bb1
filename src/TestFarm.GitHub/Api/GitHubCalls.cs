using System.Globalization;
using Microsoft.Extensions.Logging;
using Octokit;
using Polly;
using Polly.Retry;

namespace TestFarm.GitHub.Api;

/// <summary>
/// Runs one Octokit call with TestFarm's retry rules: outages (5xx, 408, 409, 429, timeouts, no answer) and rate limits
/// (<see cref="RateLimitExceededException"/>, <see cref="SecondaryRateLimitExceededException"/>, 403 with Retry-After)
/// are retried up to <see cref="GitHubOptions.MaxRetries"/> times, waiting what GitHub asks (Retry-After,
/// X-RateLimit-Reset) or backing off exponentially; a wait longer than <see cref="GitHubOptions.MaxRetryDelay"/> is not
/// waited inline (the caller's outbox retries later). Other 4xx are refusals: not retried, logged, and thrown as a
/// <see cref="GitHubApiException"/> marked <see cref="GitHubApiException.Refused"/>.
/// </summary>
internal sealed class GitHubCalls
{
    private static readonly ResiliencePropertyKey<string> RequestKey = new("testfarm.github.request");
    private readonly GitHubOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _pipeline;

    public GitHubCalls(GitHubOptions options, TimeProvider time, ILogger logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _pipeline = Build();
    }

    /// <summary>Runs <paramref name="call"/> (<paramref name="method"/> <paramref name="path"/> relative to the base URL) with retries.</summary>
    public async Task<T> RunAsync<T>(string method, string path, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        var url = new Uri(_options.BaseUrl, path);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(RequestKey, $"{method} {url.AbsolutePath}");
        try
        {
            return await _pipeline.ExecuteAsync(async ctx =>
            {
                GitHubCallScope.Enter(ctx.CancellationToken);
                return await call().ConfigureAwait(false);
            }, context).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ApiException or HttpRequestException or TimeoutException)
        {
            throw Failure(method, url, e, _logger);
        }
        finally { ResilienceContextPool.Shared.Return(context); }
    }

    /// <summary>The <see cref="GitHubApiException"/> for a failed call, naming method, URL, status and GitHub's message.</summary>
    public static GitHubApiException Failure(string method, Uri url, Exception e, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e is not ApiException api) return new GitHubApiException(method, url, null, Cut(e.Message), e);
        var refused = !RateLimits.IsRetryable(api);
        var message = Cut(api.ApiError?.Message ?? api.HttpResponse?.Body as string ?? api.Message);
        var error = new GitHubApiException(method, url, (int)api.StatusCode, message, e) { Refused = refused };
        if (refused) Log.Refused(logger, $"{method} {url.AbsolutePath}", (int)api.StatusCode, message ?? "");
        return error;
    }

    /// <summary>At most 300 characters of GitHub's message.</summary>
    private static string? Cut(string? text) =>
        string.IsNullOrEmpty(text) ? null : text.Length <= 300 ? text : $"{text[..300]}… ({text.Length} characters)";

    private ResiliencePipeline Build()
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = _time };
        if (_options.MaxRetries == 0) return builder.Build();
        return builder.AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = _options.MaxRetries,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = _options.RetryBaseDelay,
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception switch
            {
                HttpRequestException or TimeoutException => true,
                GitHubApiException { Refused: false } => true,
                ApiException api => RateLimits.IsRetryable(api)
                                    && (RateLimits.RequestedDelay(api, _time.GetUtcNow()) ?? TimeSpan.Zero) <= _options.MaxRetryDelay,
                _ => false,
            }),
            DelayGenerator = args => ValueTask.FromResult(args.Outcome.Exception is ApiException api
                ? RateLimits.RequestedDelay(api, _time.GetUtcNow())
                : null),
            OnRetry = args =>
            {
                var status = args.Outcome.Exception is ApiException api
                    ? ((int)api.StatusCode).ToString(CultureInfo.InvariantCulture)
                    : args.Outcome.Exception?.GetType().Name ?? "?";
                Log.Retry(_logger, args.Context.Properties.GetValue(RequestKey, "?"), status, args.AttemptNumber + 1, args.RetryDelay);
                return ValueTask.CompletedTask;
            },
        }).Build();
    }
}
