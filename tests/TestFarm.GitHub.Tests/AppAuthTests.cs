using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using TestFarm.Core.GitHub;
using TestFarm.GitHub.Auth;
using TestFarm.GitHub.Api;
using TestFarm.Testing;
using TestFarm.Testing.GitHub;

namespace TestFarm.GitHub.Tests;

public sealed class AppAuthTests
{
    [Test]
    public void App_jwt_is_rs256_signed_and_carries_iss_iat_exp()
    {
        using var rsa = RSA.Create(2048);
        var now = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
        var jwt = AppJwt.Create(12345, rsa, now);

        var parts = jwt.Split('.');
        Assert.That(parts, Has.Length.EqualTo(3));
        var header = JsonDocument.Parse(FromBase64Url(parts[0])).RootElement;
        Assert.That(header.GetProperty("alg").GetString(), Is.EqualTo("RS256"));
        var payload = JsonDocument.Parse(FromBase64Url(parts[1])).RootElement;
        Assert.That(payload.GetProperty("iss").GetString(), Is.EqualTo("12345"));
        Assert.That(payload.GetProperty("iat").GetInt64(), Is.EqualTo(now.AddSeconds(-60).ToUnixTimeSeconds()));
        Assert.That(payload.GetProperty("exp").GetInt64(), Is.EqualTo(now.AddMinutes(9).ToUnixTimeSeconds()));
        var valid = rsa.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), FromBase64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        Assert.That(valid, Is.True);
    }

    [Test]
    public async Task Installation_token_is_cached_until_shortly_before_expiry()
    {
        await using var stub = await GitHubStub.StartAsync();
        var time = new FakeTimeProvider();
        stub.Clock = time.GetUtcNow;
        stub.Pulls[7] = new System.Text.Json.Nodes.JsonObject
        {
            ["number"] = 7, ["head"] = new System.Text.Json.Nodes.JsonObject { ["sha"] = "abc" },
        };
        using var rsa = RSA.Create(2048);
        var options = new GitHubOptions
        {
            BaseUrl = stub.BaseUrl, AppId = 42, InstallationId = 1, PrivateKeyPem = rsa.ExportRSAPrivateKeyPem(), MaxRetries = 0,
        };
        using var http = new HttpClient();
        using var tokens = new InstallationTokenSource(() => http, options, time, NullLogger<InstallationTokenSource>.Instance);
        var client = OctokitGitHubApi.Create(() => http, tokens, options, time, NullLogger<OctokitGitHubApi>.Instance);
        var repo = RepoRef.Parse("Codertocat/Hello-World");

        await client.GetPullRequestAsync(repo, 7, CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(50));
        await client.GetPullRequestAsync(repo, 7, CancellationToken.None);
        Assert.That(tokens.Fetches, Is.EqualTo(1));
        time.Advance(TimeSpan.FromMinutes(6)); // 56 min: inside the 5 min margin of the 1 h token
        await client.GetPullRequestAsync(repo, 7, CancellationToken.None);
        Assert.That(tokens.Fetches, Is.EqualTo(2));

        var tokenCalls = stub.Matching("POST", "/access_tokens");
        Assert.That(tokenCalls, Has.Count.EqualTo(2));
        Assert.That(tokenCalls[0].Authorization, Does.StartWith("Bearer ey"));
        var prCalls = stub.Matching("GET", "/pulls/7");
        Assert.That(prCalls.Select(c => c.Authorization).Distinct().Count(), Is.EqualTo(2));
        Assert.That(prCalls.All(c => c.Authorization.StartsWith("Bearer ghs_stub", StringComparison.Ordinal)));
    }

    [Test]
    public async Task A_refused_installation_token_names_the_url()
    {
        await using var stub = await GitHubStub.StartAsync();
        stub.FailNext(1, 401, body: "{\"message\":\"A JSON web token could not be decoded\"}");
        using var rsa = RSA.Create(2048);
        var options = new GitHubOptions { BaseUrl = stub.BaseUrl, AppId = 42, InstallationId = 9, PrivateKeyPem = rsa.ExportRSAPrivateKeyPem() };
        using var http = new HttpClient();
        using var tokens = new InstallationTokenSource(() => http, options, TimeProvider.System, NullLogger<InstallationTokenSource>.Instance);
        var e = Assert.ThrowsAsync<GitHubApiException>(async () => await tokens.GetTokenAsync(CancellationToken.None));
        Assert.That(e!.Status, Is.EqualTo(401));
        Assert.That(e.Message, Does.Contain("/app/installations/9/access_tokens").And.Contain("could not be decoded"));
    }

    private static byte[] FromBase64Url(string s)
    {
        s = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + (4 - s.Length % 4) % 4, '='));
    }
}
