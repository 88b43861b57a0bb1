using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Octokit;
using TestFarm.GitHub.Api;

namespace TestFarm.GitHub.Auth;

/// <summary>
/// GitHub App mode: Octokit asks for an installation token (<c>POST app/installations/{id}/access_tokens</c>) with a JWT
/// signed by the App key (<see cref="AppJwt"/>: the part Octokit lacks) as its bearer credential; the token is cached
/// until <see cref="GitHubOptions.TokenRefreshMargin"/> before it expires. A failure is a <see cref="GitHubApiException"/>
/// naming the URL and GitHub's message; the caller's retry rules decide whether it is tried again.
/// </summary>
public sealed class InstallationTokenSource : ITokenSource, IDisposable
{
    private readonly GitHubOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RSA _key;
    private readonly GitHubClient _app;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (string Token, DateTimeOffset ExpiresAt)? _cached;

    /// <param name="http">The factory's client, asked for per request.</param>
    public InstallationTokenSource(Func<HttpClient> http, GitHubOptions options, TimeProvider time, ILogger<InstallationTokenSource> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.AppId is null || options.InstallationId is null)
            throw new InvalidOperationException("GitHub App mode needs GitHub:AppId and GitHub:InstallationId");
        var pem = options.PrivateKeyPem ?? (options.PrivateKeyPath is { } path ? File.ReadAllText(path)
            : throw new InvalidOperationException("GitHub App mode needs GitHub:PrivateKeyPem or GitHub:PrivateKeyPath"));
        _key = AppJwt.LoadKey(pem);
        _options = options;
        _time = time;
        _logger = logger;
        _app = OctokitGitHubApi.Client(http, new JwtCredentialStore(this), options, time);
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
            var installation = _options.InstallationId!.Value;
            AccessToken token;
            try { token = await _app.GitHubApps.CreateInstallationToken(installation).ConfigureAwait(false); }
            catch (Exception e) when (e is ApiException or HttpRequestException or TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                throw GitHubCalls.Failure("POST", new Uri(_options.BaseUrl, $"app/installations/{installation}/access_tokens"), e, _logger);
            }
            _cached = (token.Token, token.ExpiresAt);
            Fetches++;
            Log.TokenRenewed(_logger, _options.AppId!.Value, installation, token.ExpiresAt);
            return token.Token;
        }
        finally { _gate.Release(); }
    }

    public void Dispose()
    {
        _key.Dispose();
        _gate.Dispose();
    }

    /// <summary>A fresh App JWT for each request of the token exchange.</summary>
    private sealed class JwtCredentialStore(InstallationTokenSource owner) : ICredentialStore
    {
        public Task<Credentials> GetCredentials() => Task.FromResult(new Credentials(
            AppJwt.Create(owner._options.AppId!.Value, owner._key, owner._time.GetUtcNow()), AuthenticationType.Bearer));
    }
}
