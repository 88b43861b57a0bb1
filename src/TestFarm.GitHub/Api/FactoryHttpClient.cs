using System.Net.Http.Headers;
using System.Text;
using Octokit;
using Octokit.Internal;
using TestFarm.Core.Time;

namespace TestFarm.GitHub.Api;

/// <summary>
/// Octokit's transport on top of an <see cref="IHttpClientFactory"/>-made <see cref="HttpClient"/> (so the factory's
/// handlers and a test's loopback base URL apply). Each attempt has its own timeout on the injected clock; the
/// caller's cancellation reaches the request through <see cref="GitHubCallScope"/> (Octokit's client methods take none).
/// </summary>
internal sealed class FactoryHttpClient(Func<HttpClient> client, TimeProvider time, TimeSpan timeout) : IHttpClient
{
    public const string ApiVersion = "2022-11-28";

    public async Task<IResponse> Send(IRequest request, CancellationToken cancellationToken, Func<object, object>? preprocessResponseBody = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var outer = cancellationToken.CanBeCanceled ? cancellationToken : GitHubCallScope.Current;
        var url = new Uri(request.BaseAddress, request.Endpoint);
        using var message = Build(request, url);
        using var attempt = new TimeoutSource(time, timeout, outer);
        HttpResponseMessage response;
        try
        {
            response = await client().SendAsync(message, HttpCompletionOption.ResponseContentRead, attempt.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!outer.IsCancellationRequested)
        {
            throw new TimeoutException($"GitHub {request.Method} {url} timed out after {timeout}", e);
        }
        using (response)
        {
            object body = await response.Content.ReadAsStringAsync(outer).ConfigureAwait(false);
            if (preprocessResponseBody is not null) body = preprocessResponseBody(body);
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, values) in response.Headers) headers[name] = values.First();
            return new GitHubResponse(response.StatusCode, body, headers, response.Content.Headers.ContentType?.MediaType);
        }
    }

    /// <summary>Ignored: the per-attempt timeout is <see cref="GitHubOptions.RequestTimeout"/>.</summary>
    public void SetRequestTimeout(TimeSpan timeout) { }

    /// <summary>Nothing to release: the factory owns the handlers.</summary>
    public void Dispose() { }

    private static HttpRequestMessage Build(IRequest request, Uri url)
    {
        var message = new HttpRequestMessage(request.Method, url);
        foreach (var (name, value) in request.Headers) message.Headers.TryAddWithoutValidation(name, value);
        if (!message.Headers.Contains("X-GitHub-Api-Version")) message.Headers.Add("X-GitHub-Api-Version", ApiVersion);
        switch (request.Body)
        {
            case HttpContent content:
                message.Content = content;
                break;
            case string text:
                // Octokit labels its JSON bodies with its form-encoded default; GitHub reads them as JSON either way.
                var type = request.ContentType is null or "application/x-www-form-urlencoded" ? "application/json" : request.ContentType;
                message.Content = new StringContent(text, Encoding.UTF8, MediaTypeHeaderValue.Parse(type));
                break;
            case Stream stream:
                message.Content = new StreamContent(stream);
                if (request.ContentType is { } streamType) message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(streamType);
                break;
        }
        return message;
    }
}

/// <summary>The cancellation token of the GitHub call in progress on this async flow.</summary>
internal static class GitHubCallScope
{
    private static readonly AsyncLocal<CancellationToken> Token = new();

    public static CancellationToken Current => Token.Value;

    public static void Enter(CancellationToken cancellationToken) => Token.Value = cancellationToken;
}
