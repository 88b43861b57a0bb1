using Octokit;

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

/// <summary>Octokit's credentials for each request: the current bearer token of an <see cref="ITokenSource"/>.</summary>
internal sealed class TokenCredentialStore(ITokenSource tokens) : ICredentialStore
{
    public async Task<Credentials> GetCredentials() =>
        new(await tokens.GetTokenAsync(Api.GitHubCallScope.Current).ConfigureAwait(false), AuthenticationType.Bearer);
}
