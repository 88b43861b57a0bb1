using Microsoft.Extensions.Logging.Abstractions;
using TestFarm.GitHub.Auth;
using TestFarm.GitHub.Reporting;
using TestFarm.GitHub.Api;
using TestFarm.Testing.GitHub;

namespace TestFarm.GitHub.Tests;

/// <summary>A real REST client and reporter against a loopback <see cref="GitHubStub"/>.</summary>
internal sealed class GitHubTestHost : IAsyncDisposable
{
    private GitHubTestHost(GitHubStub stub, HttpClient http, GitHubOptions options)
    {
        Stub = stub;
        Http = http;
        Options = options;
        Client = OctokitGitHubApi.Create(() => http, new StaticTokenSource("ghp_test_token"), options, TimeProvider.System, NullLogger<OctokitGitHubApi>.Instance);
        Outbox = new ReportOutbox(TimeProvider.System, NullLogger<ReportOutbox>.Instance);
        Reporter = new GitHubReporter(Client, Outbox, TimeProvider.System);
    }

    public GitHubStub Stub { get; }
    public HttpClient Http { get; }
    public GitHubOptions Options { get; }
    public OctokitGitHubApi Client { get; }
    public ReportOutbox Outbox { get; }
    public GitHubReporter Reporter { get; }

    public static async Task<GitHubTestHost> StartAsync(int maxRetries = 3)
    {
        var stub = await GitHubStub.StartAsync();
        var options = new GitHubOptions
        {
            BaseUrl = stub.BaseUrl, Token = "ghp_test_token", MaxRetries = maxRetries,
            RetryBaseDelay = TimeSpan.FromMilliseconds(1), RequestTimeout = TimeSpan.FromSeconds(10),
        };
        return new GitHubTestHost(stub, new HttpClient(), options);
    }

    public async ValueTask DisposeAsync()
    {
        Reporter.Dispose();
        Http.Dispose();
        await Stub.DisposeAsync();
    }
}
