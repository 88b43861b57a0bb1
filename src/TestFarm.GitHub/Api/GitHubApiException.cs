namespace TestFarm.GitHub.Api;

/// <summary>A GitHub REST call failed: the method, the URL, GitHub's status and message.</summary>
public sealed class GitHubApiException : Exception
{
    public GitHubApiException() { }

    public GitHubApiException(string message) : base(message) { }

    public GitHubApiException(string message, Exception inner) : base(message, inner) { }

    public GitHubApiException(string method, Uri url, int? status, string? gitHubMessage, Exception? inner = null)
        : base($"GitHub {method} {url} failed: {(status is null ? "no response" : $"HTTP {status}")}{(gitHubMessage is null ? "" : $": {gitHubMessage}")}", inner)
    {
        Method = method;
        Url = url;
        Status = status;
        GitHubMessage = gitHubMessage;
    }

    public string? Method { get; }
    public Uri? Url { get; }
    /// <summary>HTTP status, or null when no response came (timeout, connection refused).</summary>
    public int? Status { get; }
    public string? GitHubMessage { get; }

    /// <summary>
    /// GitHub refused the request (a 4xx that is not 408, 409, 429 or a rate limit): sending it again cannot succeed.
    /// False for outages (5xx, timeouts, no response) and rate limits, which are worth another try later.
    /// </summary>
    public bool Refused { get; init; }
}
