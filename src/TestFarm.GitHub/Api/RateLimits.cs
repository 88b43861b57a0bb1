using System.Globalization;
using System.Net;
using Octokit;

namespace TestFarm.GitHub.Api;

/// <summary>
/// What GitHub's answer says about retrying: outages (5xx, 408, 409, 429) and rate limits (primary and secondary)
/// are worth another try; any other 4xx is a refusal.
/// </summary>
public static class RateLimits
{
    /// <summary>
    /// The wait GitHub asks for: <c>Retry-After</c> (seconds or an HTTP date), else for an exhausted primary limit
    /// (<c>X-RateLimit-Remaining: 0</c>) the time until <c>X-RateLimit-Reset</c> (epoch seconds); else null.
    /// </summary>
    public static TimeSpan? RequestedDelay(IReadOnlyDictionary<string, string> headers, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (Header(headers, "Retry-After") is { } retryAfter)
        {
            if (int.TryParse(retryAfter, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds))
                return TimeSpan.FromSeconds(Math.Max(0, seconds));
            if (DateTimeOffset.TryParse(retryAfter, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
                return date > now ? date - now : TimeSpan.Zero;
        }
        if (Header(headers, "X-RateLimit-Remaining") == "0"
            && long.TryParse(Header(headers, "X-RateLimit-Reset"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var reset))
        {
            var at = DateTimeOffset.FromUnixTimeSeconds(reset);
            return at > now ? at - now : TimeSpan.Zero;
        }
        return null;
    }

    /// <summary>
    /// Worth retrying: 5xx, 408 (timeout), 409 (conflict, e.g. a ref being updated), 429, and 403 that is a rate
    /// limit (secondary limit message, Retry-After, or exhausted primary limit). Any other 4xx is a refusal: final.
    /// </summary>
    public static bool IsRetryable(HttpStatusCode status, IReadOnlyDictionary<string, string> headers, string? body)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var code = (int)status;
        if (code >= 500 || status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout or HttpStatusCode.Conflict) return true;
        if (status != HttpStatusCode.Forbidden) return false;
        return Header(headers, "Retry-After") is not null
               || Header(headers, "X-RateLimit-Remaining") == "0"
               || (body?.Contains("secondary rate limit", StringComparison.OrdinalIgnoreCase) ?? false);
    }

    /// <summary>
    /// The same for an answer Octokit turned into an exception: its <see cref="RateLimitExceededException"/> (primary),
    /// <see cref="SecondaryRateLimitExceededException"/> and <see cref="AbuseException"/> are rate limits.
    /// </summary>
    public static bool IsRetryable(ApiException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception is RateLimitExceededException or SecondaryRateLimitExceededException or AbuseException
               || IsRetryable(exception.StatusCode, Headers(exception), exception.HttpResponse?.Body as string);
    }

    /// <summary>The wait an Octokit exception's answer asks for (see <see cref="RequestedDelay(IReadOnlyDictionary{string, string}, DateTimeOffset)"/>).</summary>
    public static TimeSpan? RequestedDelay(ApiException exception, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return RequestedDelay(Headers(exception), now);
    }

    private static IReadOnlyDictionary<string, string> Headers(ApiException e) =>
        e.HttpResponse?.Headers ?? new Dictionary<string, string>();

    private static string? Header(IReadOnlyDictionary<string, string> headers, string name)
    {
        if (headers.TryGetValue(name, out var value)) return value;
        foreach (var (k, v) in headers)
            if (string.Equals(k, name, StringComparison.OrdinalIgnoreCase)) return v;
        return null;
    }
}
