using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace TestFarm.GitHub.Rest;

/// <summary>What GitHub's answer says about retrying: rate limits (primary and secondary) and server errors.</summary>
public static class RateLimits
{
    /// <summary>
    /// The wait GitHub asks for: <c>Retry-After</c> (seconds), else for an exhausted primary limit
    /// (<c>X-RateLimit-Remaining: 0</c>) the time until <c>X-RateLimit-Reset</c> (epoch seconds); else null.
    /// </summary>
    public static TimeSpan? RequestedDelay(HttpResponseHeaders headers, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (headers.RetryAfter is { } retryAfter)
        {
            if (retryAfter.Delta is { } delta) return delta;
            if (retryAfter.Date is { } date) return date > now ? date - now : TimeSpan.Zero;
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
    public static bool IsRetryable(HttpStatusCode status, HttpResponseHeaders headers, string? body)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var code = (int)status;
        if (code >= 500 || status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout or HttpStatusCode.Conflict) return true;
        if (status != HttpStatusCode.Forbidden) return false;
        return headers.RetryAfter is not null
               || Header(headers, "X-RateLimit-Remaining") == "0"
               || (body?.Contains("secondary rate limit", StringComparison.OrdinalIgnoreCase) ?? false);
    }

    private static string? Header(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
