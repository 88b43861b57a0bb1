using System.Text.Json.Nodes;

namespace TestFarm.Server.Tests.Serve;

/// <summary>
/// Reads <c>GET /api/v1/leases?all=true</c> as history: each lease holds its machines from its grant to its end (still
/// held when it has not ended); two leases holding one machine over a common instant are a double hold.
/// </summary>
internal static class LeaseOverlaps
{
    /// <summary>One line per machine held by two leases at once, naming both.</summary>
    public static IReadOnlyList<string> Find(JsonArray leases)
    {
        ArgumentNullException.ThrowIfNull(leases);
        var holds = leases.SelectMany(l => l!["machines"]!.AsArray().Select(m => (
            Machine: m!.GetValue<string>(),
            Lease: l["id"]!.GetValue<string>(),
            From: l["grantedAt"]!.GetValue<DateTimeOffset>(),
            To: l["endedAt"]?.GetValue<DateTimeOffset>() ?? DateTimeOffset.MaxValue))).ToList();
        var found = new List<string>();
        foreach (var machine in holds.GroupBy(h => h.Machine))
        {
            var ordered = machine.OrderBy(h => h.From).ToList();
            for (var i = 1; i < ordered.Count; i++)
            {
                if (ordered[i].From < ordered[i - 1].To)
                    found.Add($"machine {machine.Key}: lease {ordered[i].Lease} from {ordered[i].From:O} while lease {ordered[i - 1].Lease} held it until {ordered[i - 1].To:O}");
            }
        }
        return found;
    }
}
