using System.Globalization;
using System.Text.RegularExpressions;
using TestFarm.Core.Suites;

namespace TestFarm.Scenarios.Settings;

/// <summary>
/// Typed reads of a step's parsed YAML settings (strings, lists, maps). Each read either returns a value or
/// records an error naming the key and the value, so validators collect every problem and engines can refuse.
/// </summary>
public sealed partial class StepSettings(IReadOnlyDictionary<string, object?> values, string where)
{
    private readonly List<string> _errors = [];

    public StepSettings(SuiteStep step) : this(step.Settings, $"step '{step.Name}'") { }

    public IReadOnlyList<string> Errors => _errors;
    public string Where => where;

    public bool Has(string key) => values.TryGetValue(key, out var v) && v is not null;

    public void Error(string message) => _errors.Add(message);

    public string? String(string key, string? fallback = null, bool required = false)
    {
        if (!values.TryGetValue(key, out var v) || v is null)
        {
            if (required) _errors.Add($"'{key}' is required");
            return fallback;
        }
        if (v is string s) return s;
        if (v is IConvertible c and not IDictionary<string, object?>) return Convert.ToString(c, CultureInfo.InvariantCulture);
        _errors.Add($"'{key}' must be a scalar, was a {Describe(v)}");
        return fallback;
    }

    public int Int(string key, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        var s = String(key);
        if (s is null) return fallback;
        if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
        {
            _errors.Add($"'{key}' must be an integer, was '{s}'");
            return fallback;
        }
        if (n < min || n > max)
        {
            _errors.Add($"'{key}' must be between {min} and {max}, was {n}");
            return fallback;
        }
        return n;
    }

    public double Double(string key, double fallback, double min, double max)
    {
        var s = String(key);
        if (s is null) return fallback;
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || double.IsNaN(n))
        {
            _errors.Add($"'{key}' must be a number, was '{s}'");
            return fallback;
        }
        if (n < min || n > max)
        {
            _errors.Add($"'{key}' must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}, was {s}");
            return fallback;
        }
        return n;
    }

    public bool Bool(string key, bool fallback)
    {
        var s = String(key);
        if (s is null) return fallback;
        if (bool.TryParse(s, out var b)) return b;
        _errors.Add($"'{key}' must be true or false, was '{s}'");
        return fallback;
    }

    /// <summary>A duration like <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>1h</c>, <c>1m30s</c> or plain seconds.</summary>
    public TimeSpan Duration(string key, TimeSpan fallback, TimeSpan? min = null, TimeSpan? max = null)
    {
        var s = String(key);
        if (s is null) return fallback;
        if (!TryParseDuration(s, out var d))
        {
            _errors.Add($"'{key}' must be a duration like 30s, 5m or 1h, was '{s}'");
            return fallback;
        }
        var low = min ?? TimeSpan.FromMilliseconds(1);
        if (d < low || (max is { } hi && d > hi))
        {
            _errors.Add($"'{key}' must be between {Format(low)} and {(max is { } h ? Format(h) : "unbounded")}, was '{s}'");
            return fallback;
        }
        return d;
    }

    public IReadOnlyList<string> StringList(string key)
    {
        if (!values.TryGetValue(key, out var v) || v is null) return [];
        if (v is string s) return [s];
        if (v is IEnumerable<object?> list and not IDictionary<string, object?>)
            return list.Select(o => o as string ?? Convert.ToString(o, CultureInfo.InvariantCulture) ?? "").ToList();
        _errors.Add($"'{key}' must be a list of strings, was a {Describe(v)}");
        return [];
    }

    /// <summary>A list of maps (e.g. probes, namespaces); each map becomes a nested <see cref="StepSettings"/>.</summary>
    public IReadOnlyList<StepSettings> MapList(string key)
    {
        if (!values.TryGetValue(key, out var v) || v is null) return [];
        if (v is IEnumerable<object?> list and not IDictionary<string, object?>)
        {
            var result = new List<StepSettings>();
            var i = 0;
            foreach (var item in list)
            {
                if (AsMap(item) is { } map) result.Add(new StepSettings(map, $"{where} {key}[{i}]"));
                else _errors.Add($"'{key}[{i}]' must be a map, was a {Describe(item)}");
                i++;
            }
            return result;
        }
        _errors.Add($"'{key}' must be a list of maps, was a {Describe(v)}");
        return [];
    }

    public StepSettings? Map(string key)
    {
        if (!values.TryGetValue(key, out var v) || v is null) return null;
        if (AsMap(v) is { } map) return new StepSettings(map, $"{where} {key}");
        _errors.Add($"'{key}' must be a map, was a {Describe(v)}");
        return null;
    }

    public IEnumerable<string> Keys => values.Keys;

    /// <summary>Collects the errors of nested settings, prefixed with where they are.</summary>
    public void Absorb(StepSettings nested)
    {
        foreach (var e in nested.Errors) _errors.Add($"{nested.Where}: {e}");
    }

    private static IReadOnlyDictionary<string, object?>? AsMap(object? v) => v switch
    {
        IReadOnlyDictionary<string, object?> d => d,
        IDictionary<string, object?> d => d.ToDictionary(kv => kv.Key, kv => kv.Value),
        IDictionary<object, object?> d => d.ToDictionary(kv => Convert.ToString(kv.Key, CultureInfo.InvariantCulture) ?? "", kv => kv.Value),
        _ => null,
    };

    private static string Describe(object? v) => v switch
    {
        null => "null", string => "string", IDictionary<string, object?> or IReadOnlyDictionary<string, object?> or IDictionary<object, object?> => "map",
        System.Collections.IEnumerable => "list", _ => v.GetType().Name,
    };

    [GeneratedRegex(@"^(?:(\d+(?:\.\d+)?)(ms|s|m|h))+$")]
    private static partial Regex DurationShape();

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(ms|s|m|h)")]
    private static partial Regex DurationPart();

    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var s = text.Trim();
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var secs) && secs >= 0 && secs < 1e9)
        {
            value = TimeSpan.FromSeconds(secs);
            return true;
        }
        if (!DurationShape().IsMatch(s)) return false;
        foreach (Match m in DurationPart().Matches(s))
        {
            var n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            if (n > 1e9) return false;
            value += m.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(n), "s" => TimeSpan.FromSeconds(n), "m" => TimeSpan.FromMinutes(n), _ => TimeSpan.FromHours(n),
            };
        }
        return true;
    }

    public static string Format(TimeSpan d) =>
        d.TotalMilliseconds < 1000 ? $"{d.TotalMilliseconds:0}ms" : d.TotalSeconds < 120 ? $"{d.TotalSeconds:0.###}s" : $"{d.TotalMinutes:0.##}m";
}
