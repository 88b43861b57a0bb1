using System.Net;
using System.Text.RegularExpressions;
using Octokit;

namespace TestFarm.GitHub.Api;

/// <summary>
/// An answer handed to Octokit (its own response type is internal): status, body, headers, and the API info it reads
/// (pagination links, ETag, rate limit).
/// </summary>
internal sealed partial class GitHubResponse : IResponse
{
    public GitHubResponse(HttpStatusCode status, object body, Dictionary<string, string> headers, string? contentType)
    {
        StatusCode = status;
        Body = body;
        Headers = headers;
        ContentType = contentType!;
        ApiInfo = new ApiInfo(Links(headers.GetValueOrDefault("Link")), [], [], headers.GetValueOrDefault("ETag")!, new RateLimit(headers));
    }

    public object Body { get; }
    public IReadOnlyDictionary<string, string> Headers { get; }
    public ApiInfo ApiInfo { get; }
    public HttpStatusCode StatusCode { get; }
    public string ContentType { get; }

    /// <summary>RFC 8288 <c>Link: &lt;url&gt;; rel="next", …</c> as rel → URL.</summary>
    private static Dictionary<string, Uri> Links(string? header)
    {
        var links = new Dictionary<string, Uri>(StringComparer.OrdinalIgnoreCase);
        if (header is null) return links;
        foreach (Match m in LinkPattern().Matches(header))
            if (Uri.TryCreate(m.Groups["url"].Value, UriKind.Absolute, out var url)) links[m.Groups["rel"].Value] = url;
        return links;
    }

    [GeneratedRegex("<(?<url>[^>]+)>\\s*;\\s*rel=\"(?<rel>[^\"]+)\"")]
    private static partial Regex LinkPattern();
}
