using System.Globalization;
using TestFarm.Core.GitHub;
using TestFarm.GitHub.Api;
using TestFarm.GitHub.Auth;
using TestFarm.Testing;
using TestFarm.Testing.GitHub;

namespace TestFarm.GitHub.Tests;

/// <summary>
/// Rate-limit answers as GitHub sends them (primary 403 with x-ratelimit-*, secondary 403 with Retry-After, 429) are
/// waited out on the injected clock, then the call succeeds; nothing is resent before the wait has passed.
/// </summary>
public sealed class RateLimitWaitTests
{
    private static readonly RepoRef Repo = RepoRef.Parse("Codertocat/Hello-World");
    private const string Sha = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";

    [Test]
    public async Task A_primary_rate_limit_is_waited_until_its_reset_and_then_succeeds()
    {
        var time = new FakeTimeProvider();
        var reset = time.GetUtcNow().AddSeconds(60).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var waited = await WaitedAsync(time, 403, new Dictionary<string, string>
        {
            ["x-ratelimit-limit"] = "5000", ["x-ratelimit-remaining"] = "0", ["x-ratelimit-used"] = "5000",
            ["x-ratelimit-reset"] = reset, ["x-ratelimit-resource"] = "core",
        }, "{\"message\":\"API rate limit exceeded for installation ID 1.\",\"documentation_url\":\"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api\"}");
        Assert.That(waited, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(60)));
    }

    [Test]
    public async Task A_secondary_rate_limit_is_waited_for_its_retry_after_and_then_succeeds()
    {
        var waited = await WaitedAsync(new FakeTimeProvider(), 403, new Dictionary<string, string> { ["retry-after"] = "45" },
            "{\"message\":\"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.\",\"documentation_url\":\"https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits\"}");
        Assert.That(waited, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(45)));
    }

    [Test]
    public async Task A_429_with_retry_after_is_waited_out_and_then_succeeds()
    {
        var waited = await WaitedAsync(new FakeTimeProvider(), 429, new Dictionary<string, string> { ["Retry-After"] = "20" },
            "{\"message\":\"Too Many Requests\"}");
        Assert.That(waited, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(20)));
    }

    /// <summary>Answers the first POST with the limit, moves fake time until the retry arrives; returns the fake time it took.</summary>
    private static async Task<TimeSpan> WaitedAsync(FakeTimeProvider time, int status, Dictionary<string, string> headers, string body)
    {
        await using var stub = await GitHubStub.StartAsync();
        stub.FailNext(1, status, headers: headers, body: body);
        var options = new GitHubOptions
        {
            BaseUrl = stub.BaseUrl, Token = "ghp_test_token", MaxRetries = 3, RetryBaseDelay = TimeSpan.FromMilliseconds(1),
            RequestTimeout = TimeSpan.FromSeconds(10), MaxRetryDelay = TimeSpan.FromMinutes(2),
        };
        using var http = new HttpClient();
        var log = new RetryLog();
        var client = OctokitGitHubApi.Create(() => http, new StaticTokenSource("ghp_test_token"), options, time, log);
        var start = time.GetUtcNow();
        var call = client.CreateStatusAsync(Repo, Sha, new CommitStatus { State = "pending", Context = "testfarm/pr-smoke" }, CancellationToken.None);

        // Real I/O to the loopback stub: poll with a deadline. The retry is announced (with its delay) before the wait.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (log.Delays.IsEmpty && !call.IsCompleted && DateTime.UtcNow < deadline) await Task.Yield();
        Assert.That(log.Delays.TryPeek(out var delay), Is.True, "the limit was answered with a retry");
        time.Advance(delay - TimeSpan.FromSeconds(1));
        for (var i = 0; i < 100; i++) await Task.Yield();
        Assert.That(stub.Matching("POST", "/statuses/"), Has.Count.EqualTo(1), "nothing is resent before the wait has passed");
        time.Advance(TimeSpan.FromSeconds(1));
        while (!call.IsCompleted && DateTime.UtcNow < deadline) await Task.Yield();
        var waited = time.GetUtcNow() - start;
        await call;
        Assert.That(stub.Matching("POST", "/statuses/"), Has.Count.EqualTo(2), "one refusal by the limit, one success");
        return waited;
    }

    /// <summary>Keeps the delay of each retry the client announces.</summary>
    private sealed class RetryLog : Microsoft.Extensions.Logging.ILogger<OctokitGitHubApi>
    {
        public System.Collections.Concurrent.ConcurrentQueue<TimeSpan> Delays { get; } = new();
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;
        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (state is IReadOnlyList<KeyValuePair<string, object?>> values && values.FirstOrDefault(v => v.Key == "Delay").Value is TimeSpan delay)
                Delays.Enqueue(delay);
        }
    }
}
