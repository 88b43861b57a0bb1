using TestFarm.Core.Time;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using TestFarm.GitHub.Rest;

namespace TestFarm.GitHub.Auth;

/// <summary>Gives the bearer token for GitHub REST calls.</summary>
public interface ITokenSource
{
    ValueTask<string> GetTokenAsync(CancellationToken cancellationToken);
}

/// <summary>Plain token mode (GitHub Enterprise, tests).</summary>
public sealed class StaticTokenSource(string token) : ITokenSource
{
    public ValueTask<string> GetTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult(token);
}

/// <summary>
/// GitHub App mode: signs a JWT with the App key and exchanges it for an installation token, cached until
/// <see cref="GitHubOptions.TokenRefreshMargin"/> before it expires.
/// </summary>
public sealed class InstallationTokenSource : ITokenSource, IDisposable
{
    private readonly HttpClient _http;
    private readonly GitHubOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RSA _key;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (string Token, DateTimeOffset ExpiresAt)? _cached;

    public InstallationTokenSource(HttpClient http, GitHubOptions options, TimeProvider time, ILogger<InstallationTokenSource> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.AppId is null || options.InstallationId is null)
            throw new InvalidOperationException("GitHub App mode needs GitHub:AppId and GitHub:InstallationId");
        var pem = options.PrivateKeyPem ?? (options.PrivateKeyPath is { } path ? File.ReadAllText(path)
            : throw new InvalidOperationException("GitHub App mode needs GitHub:PrivateKeyPem or GitHub:PrivateKeyPath"));
        _key = AppJwt.LoadKey(pem);
        _http = http;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>How many installation tokens were fetched (for tests and metrics).</summary>
    public int Fetches { get; private set; }

    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            if (_cached is { } c && now < c.ExpiresAt - _options.TokenRefreshMargin) return c.Token;
            var url = new Uri(_options.BaseUrl, $"app/installations/{_options.InstallationId}/access_tokens");
            using var request = new HttpRequestMessage(HttpMethod.Post, url);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AppJwt.Create(_options.AppId!.Value, _key, now));
            GitHubRestClient.AddStandardHeaders(request);
            using var timeout = new TimeoutSource(_time, _options.RequestTimeout, cancellationToken);
            HttpResponseMessage response;
            try { response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false); }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new GitHubApiException("POST", url, null, e.Message, e);
            }
            using (response)
            {
                if (!response.IsSuccessStatusCode)
                    throw new GitHubApiException("POST", url, (int)response.StatusCode, await GitHubRestClient.ReadMessageAsync(response, cancellationToken).ConfigureAwait(false));
                var token = await response.Content.ReadFromJsonAsync(GitHubJsonContext.Default.InstallationToken, cancellationToken).ConfigureAwait(false)
                            ?? throw new GitHubApiException("POST", url, (int)response.StatusCode, "empty installation token response");
                _cached = (token.Token, token.ExpiresAt);
                Fetches++;
                Log.TokenRenewed(_logger, _options.AppId.Value, _options.InstallationId!.Value, token.ExpiresAt);
                return token.Token;
            }
        }
        finally { _gate.Release(); }
    }

    public void Dispose()
    {
        _key.Dispose();
        _gate.Dispose();
    }
}
