using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TestFarm.Kubernetes.Addons;

/// <summary>Installs the farm's add-ons in order (MetalLB, then Rook/Ceph) and reports each one's readiness.</summary>
public sealed class ClusterAddons
{
    private readonly IReadOnlyList<IClusterAddon> _addons;
    private readonly ILogger _logger;

    public ClusterAddons(AddonOptions options, ILogger? logger = null)
        : this([new MetalLbAddon(options), new RookCephAddon(options)], logger) { }

    public ClusterAddons(IReadOnlyList<IClusterAddon> addons, ILogger? logger = null)
    {
        _addons = addons;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Installs every add-on; a failing one is reported not ready (with the error) and the rest still run.
    /// </summary>
    public async Task<IReadOnlyList<AddonReport>> InstallAllAsync(AddonContext context, CancellationToken cancellationToken = default)
    {
        var reports = new List<AddonReport>();
        foreach (var addon in _addons)
        {
            try
            {
                var report = await addon.InstallAsync(context, cancellationToken);
                var summary = report.Details.Count > 0 ? report.Details[^1] : "ready";
                Log.AddonReady(_logger, addon.Name, summary);
                reports.Add(report);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                reports.Add(new AddonReport(addon.Name, "", false, [$"{e.GetType().Name}: {e.Message}"]));
            }
        }
        return reports;
    }
}
