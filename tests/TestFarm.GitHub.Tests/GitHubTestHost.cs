using Microsoft.Extensions.Logging.Abstractions;
using TestFarm.Core.GitHub;
using TestFarm.GitHub.Auth;
using TestFarm.GitHub.Reporting;
using TestFarm.GitHub.Api;
using TestFarm.Testing;
using TestFarm.Testing.GitHub;

namespace TestFarm.GitHub.Tests;

/// <summary>
/// A real REST client, sender, outbox and reporter against a loopback <see cref="GitHubStub"/>; the outbox's state is the
/// in-memory fake of the store, on <see cref="OutboxTime"/> (fake time: a retry is due once the test advances it).
/// </summary>
internal sealed class GitHubTestHost : IAsyncDisposable
{
    private GitHubTestHost(GitHubStub stub, HttpClient http, GitHubOptions options)
    {
        Stub = stub;
        Http = http;
        Options = options;
        Client = OctokitGitHubApi.Create(() => http, new StaticTokenSource("ghp_test_token"), options, TimeProvider.System, NullLogger<OctokitGitHubApi>.Instance);
        State = new InMemoryGitHubState(OutboxTime);
        Outbox = new ReportOutbox(State, new ReportSender(Client, State), options, OutboxTime, NullLogger<ReportOutbox>.Instance);
        Reporter = new GitHubReporter(Outbox, OutboxTime);
    }

    public GitHubStub Stub { get; }
    public HttpClient Http { get; }
    public GitHubOptions Options { get; }
    public OctokitGitHubApi Client { get; }
    public FakeTimeProvider OutboxTime { get; } = new();
    public InMemoryGitHubState State { get; }
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

    /// <summary>The outbox's entries (pending and failed), oldest first.</summary>
    public async Task<IReadOnlyList<PendingReport>> PendingAsync() => (await Outbox.ListAsync(100, CancellationToken.None)).Entries;

    /// <summary>Moves the outbox's time past the longest backoff, then flushes; returns what is still pending.</summary>
    public Task<int> FlushLaterAsync()
    {
        OutboxTime.Advance(Options.OutboxMaxBackoff);
        return Outbox.FlushAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Stub.DisposeAsync();
    }
}
