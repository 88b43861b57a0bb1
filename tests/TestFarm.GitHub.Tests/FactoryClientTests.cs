using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TestFarm.Core.GitHub;
using TestFarm.Testing.GitHub;

namespace TestFarm.GitHub.Tests;

/// <summary>The registered <see cref="IGitHubApi"/> sends through the one factory-managed client, so handlers added to it apply.</summary>
public sealed class FactoryClientTests
{
    private sealed class CountingHandler : DelegatingHandler
    {
        public int Seen;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Seen);
            request.Headers.Add("X-Handler", "seen");
            return base.SendAsync(request, cancellationToken);
        }
    }

    [Test]
    public async Task Calls_go_through_the_named_factory_client_and_its_handlers_to_the_configured_base_url()
    {
        await using var stub = await GitHubStub.StartAsync();
        var handler = new CountingHandler();
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddTestFarmGitHub(o =>
        {
            o.BaseUrl = stub.BaseUrl;
            o.Token = "ghp_from_options";
        });
        services.AddHttpClient(GitHubServiceCollectionExtensions.HttpClientName).AddHttpMessageHandler(() => handler);
        await using var provider = services.BuildServiceProvider();
        var api = provider.GetRequiredService<IGitHubApi>();

        var id = await api.CreateIssueCommentAsync(RepoRef.Parse("Codertocat/Hello-World"), 2, "hello", CancellationToken.None);

        Assert.That(handler.Seen, Is.EqualTo(1));
        var sent = stub.Matching("POST", "/repos/Codertocat/Hello-World/issues/2/comments").Single();
        Assert.That(sent.Authorization, Is.EqualTo("Bearer ghp_from_options"));
        Assert.That(sent.ApiVersion, Is.EqualTo("2022-11-28"));
        Assert.That(stub.Comments[id].Body, Is.EqualTo("hello"));
    }
}
