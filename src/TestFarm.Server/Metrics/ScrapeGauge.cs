using Prometheus;

namespace TestFarm.Server.Metrics;

/// <summary>
/// A gauge whose series are read just before each scrape: the read returns every series (label values in the order of
/// the gauge's label names, and the value); series it no longer returns are dropped, so a state nobody is in disappears.
/// </summary>
internal sealed class ScrapeGauge(Gauge gauge, Func<FarmSnapshot, IEnumerable<(string[] Labels, double Value)>> read)
{
    public void Update(FarmSnapshot now)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (labels, value) in read(now))
        {
            if (labels.Length == 0) gauge.Set(value);
            else gauge.WithLabels(labels).Set(value);
            seen.Add(Key(labels));
        }
        foreach (var stale in gauge.GetAllLabelValues().Where(l => l.Length > 0 && !seen.Contains(Key(l))).ToList())
            gauge.RemoveLabelled(stale);
    }

    private static string Key(string[] labels) => string.Join('\u001f', labels);
}
