using TestFarm.Core.Plans;
using TestFarm.Kubernetes.Addons.Catalogue;

namespace TestFarm.Cli.Commands.Nightly;

/// <summary>
/// Before anything boots: every add-on the plan names is in the add-on sources (cache or configured folder), verified
/// against the catalogue; otherwise the farm cannot run the plan, and says which add-on, version and how to provide it.
/// </summary>
internal static class AddonPreflight
{
    public static void Check(Plan plan, AddonSources sources)
    {
        try
        {
            AddonManifests.EnsureAvailable(sources, plan.Cluster.AddOns.Select(a => (a.Name, a.Version)));
        }
        catch (AddonUnavailableException ex)
        {
            throw new FarmSetupException($"plan {plan.Name}: {ex.Message}");
        }
    }
}
