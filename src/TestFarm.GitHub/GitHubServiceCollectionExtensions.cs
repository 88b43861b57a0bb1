using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TestFarm.Core.GitHub;
using TestFarm.GitHub.Auth;
using TestFarm.GitHub.Reporting;
using TestFarm.GitHub.Api;

namespace TestFarm.GitHub;

public static class GitHubServiceCollectionExtensions
{
    /// <summary>The name of the factory-managed <see cref="HttpClient"/> every GitHub call goes through.</summary>
    public const string HttpClientName = "GitHub";

    /// <summary>
    /// Registers <see cref="IGitHubApi"/> (Octokit on the factory's <see cref="HttpClient"/>, token or App auth),
    /// <see cref="IGitHubReporter"/> with its outbox, and the hosted outbox retrier. Options bind from configuration
    /// section <c>GitHub</c>. Needs the store's <see cref="IOutboxStore"/> and <see cref="IGitHubIdStore"/> registered.
    /// </summary>
    public static IServiceCollection AddTestFarmGitHub(this IServiceCollection services, Action<GitHubOptions>? configure = null)
    {
        var options = services.AddOptions<GitHubOptions>().BindConfiguration(GitHubOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.Token is not null || (o.AppId is not null && o.InstallationId is not null && (o.PrivateKeyPem ?? o.PrivateKeyPath) is not null),
                "GitHub needs Token, or AppId + InstallationId + PrivateKeyPem/PrivateKeyPath; none was set")
            .ValidateOnStart();
        if (configure is not null) options.Configure(configure);
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient(HttpClientName);
        services.TryAddSingleton<ITokenSource>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<GitHubOptions>>().Value;
            var factory = sp.GetRequiredService<IHttpClientFactory>();
            return o.Token is { } token
                ? new StaticTokenSource(token)
                : new InstallationTokenSource(() => factory.CreateClient(HttpClientName), o,
                    sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<InstallationTokenSource>>());
        });
        services.TryAddSingleton<IGitHubApi>(sp =>
        {
            var factory = sp.GetRequiredService<IHttpClientFactory>();
            return OctokitGitHubApi.Create(() => factory.CreateClient(HttpClientName), sp.GetRequiredService<ITokenSource>(),
                sp.GetRequiredService<IOptions<GitHubOptions>>().Value, sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<OctokitGitHubApi>>());
        });
        services.TryAddSingleton<ReportSender>();
        services.TryAddSingleton(sp => new ReportOutbox(sp.GetRequiredService<IOutboxStore>(), sp.GetRequiredService<ReportSender>(),
            sp.GetRequiredService<IOptions<GitHubOptions>>().Value, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ReportOutbox>>()));
        services.TryAddSingleton<GitHubReporter>();
        services.TryAddSingleton<IGitHubReporter>(sp => sp.GetRequiredService<GitHubReporter>());
        services.AddHostedService(sp => new GitHubOutboxService(sp.GetRequiredService<ReportOutbox>(),
            sp.GetRequiredService<IOptions<GitHubOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
