using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TestFarm.Server.Auth;
using TestFarm.Testing;

namespace TestFarm.Server.Tests.Auth;

public sealed class TokenAuthTests
{
    private LoopbackServer _server = null!;
    private HttpClient _http = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _server = await LoopbackServer.StartAsync(app =>
        {
            app.MapGet("/api/v1/machines", () => "list").RequireRole(ApiRole.Viewer);
            app.MapPost("/api/v1/machines/m1/drain", () => "drained").RequireRole(ApiRole.Operator);
            app.MapPost("/api/v1/tokens", () => "made").RequireRole(ApiRole.Admin);
        }, services: services =>
        {
            services.AddSingleton<TokenAuthenticator>();
            services.Configure<ApiAuthOptions>(o =>
            {
                o.Tokens.Add(new ApiToken { Name = "dashboard", Role = ApiRole.Viewer, Sha256 = TokenAuthenticator.Hash("viewer-secret") });
                o.Tokens.Add(new ApiToken { Name = "oncall", Role = ApiRole.Operator, Sha256 = TokenAuthenticator.Hash("operator-secret") });
            });
        });
        _http = new HttpClient { BaseAddress = _server.Address, Timeout = TimeSpan.FromSeconds(10) };
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, string Body)> Send(HttpMethod method, string path, string? token)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task No_token_is_401_with_a_body_that_says_how_to_send_one()
    {
        var (status, body) = await Send(HttpMethod.Get, "/api/v1/machines", null);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(body, Does.Contain("Authorization: Bearer"));
    }

    [Test]
    public async Task An_unknown_token_is_401()
    {
        var (status, body) = await Send(HttpMethod.Get, "/api/v1/machines", "guess");
        Assert.That(status, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(body, Does.Contain("not known"));
    }

    [Test]
    public async Task A_viewer_reads_but_may_not_drain_and_is_told_which_role_is_needed()
    {
        Assert.That((await Send(HttpMethod.Get, "/api/v1/machines", "viewer-secret")).Status, Is.EqualTo(HttpStatusCode.OK));
        var (status, body) = await Send(HttpMethod.Post, "/api/v1/machines/m1/drain", "viewer-secret");
        Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(body, Does.Contain("token 'dashboard' has role Viewer; this needs Operator"));
    }

    [Test]
    public async Task An_operator_drains_and_reads_but_is_no_admin()
    {
        Assert.That((await Send(HttpMethod.Post, "/api/v1/machines/m1/drain", "operator-secret")).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Send(HttpMethod.Get, "/api/v1/machines", "operator-secret")).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Send(HttpMethod.Post, "/api/v1/tokens", "operator-secret")).Status, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public void Tokens_are_kept_as_sha256_hashes()
    {
        var options = _server.Services.GetRequiredService<IOptions<ApiAuthOptions>>().Value;
        Assert.That(options.Tokens.Select(t => t.Sha256), Has.All.Match("^[0-9a-f]{64}$"));
        Assert.That(TokenAuthenticator.Hash("viewer-secret"), Is.Not.Contains("viewer"));
    }
}
