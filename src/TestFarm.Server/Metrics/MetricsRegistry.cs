using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace TestFarm.Server.Metrics;

/// <summary>
/// Counters, histograms and callback gauges, written in the Prometheus text exposition format (0.0.4).
/// Label values are escaped; series are written in a stable order.
/// </summary>
public sealed class MetricsRegistry
{
    private readonly ConcurrentDictionary<string, Family> _families = new(StringComparer.Ordinal);

    public void Increment(string name, string help, IReadOnlyDictionary<string, string>? labels = null, double by = 1)
    {
        var family = _families.GetOrAdd(name, _ => new Family(name, help, "counter", null));
        family.Add(Key(labels), by);
    }

    public void Observe(string name, string help, double value, IReadOnlyDictionary<string, string>? labels = null, double[]? buckets = null)
    {
        var family = _families.GetOrAdd(name, _ => new Family(name, help, "histogram", buckets ?? DefaultBuckets));
        family.Observe(Key(labels), value);
    }

    /// <summary>A gauge read when scraped: the callback returns every series with its labels.</summary>
    public void Gauge(string name, string help, Func<IEnumerable<(IReadOnlyDictionary<string, string> Labels, double Value)>> read) =>
        _families[name] = new Family(name, help, "gauge", null) { Read = read };

    public static readonly double[] DefaultBuckets = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 3600];

    public string Render()
    {
        var text = new StringBuilder();
        foreach (var family in _families.Values.OrderBy(f => f.Name, StringComparer.Ordinal)) family.Render(text);
        return text.ToString();
    }

    private static string Key(IReadOnlyDictionary<string, string>? labels) =>
        labels is null || labels.Count == 0 ? "" :
        string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}=\"{Escape(l.Value)}\""));

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Num(double v) => double.IsPositiveInfinity(v) ? "+Inf" : v.ToString("R", CultureInfo.InvariantCulture);

    private sealed class Family(string name, string help, string type, double[]? buckets)
    {
        private readonly ConcurrentDictionary<string, double> _values = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, Histogram> _histograms = new(StringComparer.Ordinal);

        public string Name => name;
        public Func<IEnumerable<(IReadOnlyDictionary<string, string> Labels, double Value)>>? Read { get; init; }

        public void Add(string key, double by) => _values.AddOrUpdate(key, by, (_, v) => v + by);

        public void Observe(string key, double value) => _histograms.GetOrAdd(key, _ => new Histogram(buckets!)).Observe(value);

        public void Render(StringBuilder text)
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(help.Replace("\n", " ", StringComparison.Ordinal)).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            if (Read is not null)
            {
                foreach (var (labels, value) in Read().OrderBy(s => Key(s.Labels), StringComparer.Ordinal)) Series(text, name, Key(labels), value);
            }
            foreach (var (key, value) in _values.OrderBy(v => v.Key, StringComparer.Ordinal)) Series(text, name, key, value);
            foreach (var (key, histogram) in _histograms.OrderBy(v => v.Key, StringComparer.Ordinal)) histogram.Render(text, name, key);
        }
    }

    private static void Series(StringBuilder text, string name, string key, double value) =>
        text.Append(name).Append(key.Length > 0 ? $"{{{key}}}" : "").Append(' ').Append(Num(value)).Append('\n');

    private sealed class Histogram(double[] bounds)
    {
        private readonly long[] _counts = new long[bounds.Length + 1];
        private double _sum;
        private readonly Lock _gate = new();

        public void Observe(double value)
        {
            lock (_gate)
            {
                var i = Array.FindIndex(bounds, b => value <= b);
                _counts[i < 0 ? bounds.Length : i]++;
                _sum += value;
            }
        }

        public void Render(StringBuilder text, string name, string key)
        {
            lock (_gate)
            {
                long cumulative = 0;
                var prefix = key.Length > 0 ? key + "," : "";
                for (var i = 0; i <= bounds.Length; i++)
                {
                    cumulative += _counts[i];
                    var le = i < bounds.Length ? Num(bounds[i]) : "+Inf";
                    Series(text, name + "_bucket", $"{prefix}le=\"{le}\"", cumulative);
                }
                Series(text, name + "_sum", key, _sum);
                Series(text, name + "_count", key, cumulative);
            }
        }
    }
}
