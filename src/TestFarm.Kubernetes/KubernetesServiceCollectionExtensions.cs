using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TestFarm.Kubernetes.Addons.Catalogue;
using Microsoft.Extensions.Options;
using TestFarm.Kubernetes.Client;
using TestFarm.Kubernetes.Deploy;

namespace TestFarm.Kubernetes;

/// <summary>Registers the Kubernetes adapter's stateless services. Clients are per cluster: build them from a kubeconfig.</summary>
public static class KubernetesServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IProcessRunner"/> (the deployers' tools) and <see cref="KubernetesClientOptions"/> for the clients the
    /// farm builds per cluster: from <paramref name="options"/>, then configuration section <c>Kubernetes</c> when the container
    /// has an <see cref="IConfiguration"/>, validated at start (<see cref="KubernetesClientOptionsValidator"/>).
    /// </summary>
    public static IServiceCollection AddTestFarmKubernetes(this IServiceCollection services, KubernetesClientOptions? options = null)
    {
        var builder = services.AddOptions<KubernetesClientOptions>();
        if (options is not null)
        {
            builder.Configure(o =>
            {
                o.RequestTimeout = options.RequestTimeout;
                o.WatchTimeout = options.WatchTimeout;
                o.FieldManager = options.FieldManager;
            });
        }
        builder.Configure<IServiceProvider>((o, sp) => sp.GetService<IConfiguration>()?.GetSection(KubernetesClientOptions.Section).Bind(o))
            .ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KubernetesClientOptions>, KubernetesClientOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<KubernetesClientOptions>>().Value);
        services.TryAddSingleton<IProcessRunner>(sp => new ProcessRunner(sp.GetRequiredService<TimeProvider>()));
        // Add-on manifests from upstream: the fetcher bounds each download itself (AddonFetchRequest.DownloadTimeout).
        services.AddHttpClient(AddonFetcher.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan);
        services.TryAddSingleton<AddonFetcher>();
        return services;
    }
}
