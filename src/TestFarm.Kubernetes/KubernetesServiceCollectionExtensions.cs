using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TestFarm.Kubernetes.Addons.Catalogue;
using TestFarm.Kubernetes.Deploy;

namespace TestFarm.Kubernetes;

/// <summary>Registers the Kubernetes adapter's stateless services. Clients are per cluster: build them from a kubeconfig.</summary>
public static class KubernetesServiceCollectionExtensions
{
    public static IServiceCollection AddTestFarmKubernetes(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IProcessRunner, ProcessRunner>();
        // Add-on manifests from upstream: the fetcher bounds each download itself (AddonFetchRequest.DownloadTimeout).
        services.AddHttpClient(AddonFetcher.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan);
        services.TryAddSingleton<AddonFetcher>();
        return services;
    }
}
