using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace TestFarm.Redfish.Http;

/// <summary>
/// The Redfish client's resilience pipeline (Microsoft.Extensions.Http.Resilience): per attempt a
/// <see cref="RedfishOptions.RequestTimeout"/> (waiting for the BMC's gate included), and around it retries with
/// exponential backoff from <see cref="RedfishOptions.RetryDelay"/> honouring <c>Retry-After</c>. Idempotent calls
/// retry on the library's transient outcomes (5xx, 408, 429, transport errors, attempt timeouts); a POST
/// (a reset, a media insert, a login) only on what says the BMC did not act: 503, or a request never sent.
/// </summary>
internal static class RedfishResilience
{
    public static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> builder, ResilienceHandlerContext context)
    {
        var options = context.ServiceProvider.GetRequiredService<IOptions<RedfishOptions>>().Value;
        builder.TimeProvider = context.ServiceProvider.GetRequiredService<TimeProvider>();
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetries,
                Delay = options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                ShouldRetryAfterHeader = true,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Context.GetRequestMessage()?.Method, args.Outcome)),
                OnRetry = args =>
                {
                    if (RedfishCall.Of(args.Context.GetRequestMessage()) is { } call)
                        Log.Retry(call.Transport.Logger, call.Transport.Endpoint.ServiceRoot, args.AttemptNumber + 1,
                            (int?)args.Outcome.Result?.StatusCode, args.Outcome.Exception);
                    return default;
                },
            });
        }
        builder.AddTimeout(options.RequestTimeout);
    }

    public static bool ShouldRetry(HttpMethod? method, Outcome<HttpResponseMessage> outcome) =>
        method == HttpMethod.Post ? IsSafeToRepeatAction(outcome) : HttpClientResiliencePredicates.IsTransient(outcome);

    /// <summary>
    /// For POST: only an answer that says the action was not taken (503: busy, session limit) or a request that
    /// never left (no connection, no name, no TLS); a timeout or another 5xx may have acted already.
    /// </summary>
    public static bool IsSafeToRepeatAction(Outcome<HttpResponseMessage> outcome) =>
        outcome.Result?.StatusCode == HttpStatusCode.ServiceUnavailable
        || outcome.Exception is HttpRequestException
        {
            HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
                or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError,
        };
}
