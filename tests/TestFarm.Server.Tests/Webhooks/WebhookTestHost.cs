using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TestFarm.Core.GitHub;
using TestFarm.Core.Plans;
using TestFarm.Server.Webhooks;
using TestFarm.Testing;
using TestFarm.Testing.GitHub;

namespace TestFarm.Server.Tests.Webhooks;

/// <summary>The webhook endpoint on loopback Kestrel, with fake trigger, GitHub API and reporter.</summary>
internal sealed class WebhookTestHost : IAsyncDisposable
{
    public const string Secret = "It's a Secret to Everybody";
    public const string Repo = "Codertocat/Hello-World";
    private int _delivery;

    private WebhookTestHost(WebApplication app, HttpClient http)
    {
        App = app;
        Http = http;
    }

    public WebApplication App { get; }
    public HttpClient Http { get; }
    public LogCapture Logs { get; private set; } = null!;

    public static Plan PullRequestPlan(string name, params string[] paths) => new()
    {
        Name = name,
        Trigger = new PlanTrigger { Kind = TriggerKind.PullRequest, Paths = paths, Repositories = [Repo] },
        Matrix = new PlanMatrix(),
        Cluster = new ClusterSpec { Deployer = "lab", KubernetesVersion = "v1.32.3" },
    };

    public static async Task<WebhookTestHost> StartAsync(long maxBodyBytes = 1024 * 1024)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var logs = new LogCapture();
        builder.Logging.AddProvider(logs);
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var trigger = new FakeRunTrigger();
        var api = new FakeGitHubApi();
        var reporter = new FakeGitHubReporter();
        var state = new InMemoryGitHubState();
        builder.Services.AddSingleton<IRunTrigger>(trigger).AddSingleton<IGitHubApi>(api).AddSingleton<IGitHubReporter>(reporter)
            .AddSingleton<IApprovalStore>(state).AddSingleton<IDeliveryStore>(state);
        builder.Services.AddGitHubWebhooks(o =>
        {
            o.Secret = Secret;
            o.MaxBodyBytes = maxBodyBytes;
            o.Plans = [PullRequestPlan("pr-smoke", "src/**", "scenarios/**"), PullRequestPlan("docs-preview", "docs/**")];
        });
        var app = builder.Build();
        app.MapGitHubWebhooks();
        await app.StartAsync();
        var host = new WebhookTestHost(app, new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(30) });
        host.Logs = logs;
        return host.With(trigger, api, reporter);
    }

    private WebhookTestHost With(FakeRunTrigger trigger, FakeGitHubApi api, FakeGitHubReporter reporter)
    {
        Trigger = trigger;
        Api = api;
        Reporter = reporter;
        Api.Files[2] = ["src/main.go", "README.md"];
        Api.Pulls[2] = new PullRequestInfo { Number = 2, HeadSha = "ec26c3e57ca3a959ca5aad62de7213c562f8c821", AuthorLogin = "Codertocat", AuthorAssociation = "OWNER" };
        return this;
    }

    public FakeRunTrigger Trigger { get; private set; } = null!;
    public FakeGitHubApi Api { get; private set; } = null!;
    public FakeGitHubReporter Reporter { get; private set; } = null!;

    public static JsonObject Fixture(string name) =>
        JsonNode.Parse(File.ReadAllText(Fixtures.Shared("github", "webhooks", $"{name}.payload.json")))!.AsObject();

    /// <summary>Posts a delivery signed with <see cref="Secret"/> unless <paramref name="signature"/> is given.</summary>
    public async Task<HttpResponseMessage> PostAsync(string eventName, byte[] body, string? signature = null, string? delivery = null, bool sign = true)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/github") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-GitHub-Event", eventName);
        request.Headers.Add("X-GitHub-Delivery", delivery ?? $"72d3162e-cc78-11e3-81ab-{Interlocked.Increment(ref _delivery):000000000000}");
        if (sign) request.Headers.Add(WebhookSignature.Header, signature ?? WebhookSignature.Sign(Secret, body));
        return await Http.SendAsync(request);
    }

    public Task<HttpResponseMessage> PostAsync(string eventName, JsonNode payload, string? delivery = null) =>
        PostAsync(eventName, Encoding.UTF8.GetBytes(payload.ToJsonString()), delivery: delivery);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
