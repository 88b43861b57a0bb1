using System.Text.RegularExpressions;

namespace TestFarm.Core.Cluster;

/// <summary>
/// Kubernetes label selectors (<c>a=b,c==d,e!=f,g in (x,y),h notin (z),i,!j</c>): a syntax check that names what is
/// wrong (so a bad selector is a validation error at its step, not an API error mid-chaos), and a matcher for the
/// places that filter labels themselves (the lab's simulated API server, fakes).
/// </summary>
public static partial class LabelSelector
{
    [GeneratedRegex(@"^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]{0,61}[a-z0-9A-Z])?$")]
    private static partial Regex Key();

    [GeneratedRegex(@"^([a-z0-9A-Z]([-a-z0-9A-Z_.]{0,61}[a-z0-9A-Z])?)?$")]
    private static partial Regex Value();

    [GeneratedRegex(@"^\s*(\S+)\s+(in|notin)\s+\(([^()]*)\)\s*$")]
    private static partial Regex SetExpr();

    /// <summary>Null when valid, else what is wrong.</summary>
    public static string? Check(string selector)
    {
        if (string.IsNullOrWhiteSpace(selector)) return "label selector is empty";
        foreach (var raw in SplitTopLevel(selector))
        {
            var term = raw.Trim();
            if (term.Length == 0) return $"empty term in label selector '{selector}'";
            if (SetExpr().Match(term) is { Success: true } set)
            {
                if (!Key().IsMatch(set.Groups[1].Value)) return $"bad key '{set.Groups[1].Value}' in label selector '{selector}'";
                var vals = set.Groups[3].Value.Split(',').Select(v => v.Trim()).ToList();
                if (vals.Count == 0 || vals.Any(v => v.Length == 0 || !Value().IsMatch(v))) return $"bad value list '({set.Groups[3].Value})' in label selector '{selector}'";
                continue;
            }
            var (key, op, value) = Split(term);
            if (op is not null && !Value().IsMatch(value)) return $"bad value '{value}' in label selector '{selector}'";
            if (!Key().IsMatch(key)) return $"bad key '{key}' in label selector '{selector}'";
        }
        return null;
    }

    /// <summary>A matcher for <paramref name="selector"/> (everything matches an empty one); a bad selector throws <see cref="FormatException"/>.</summary>
    public static Func<IReadOnlyDictionary<string, string>, bool> Compile(string? selector)
    {
        if (string.IsNullOrWhiteSpace(selector)) return _ => true;
        if (Check(selector) is { } bad) throw new FormatException(bad);
        var tests = new List<Func<IReadOnlyDictionary<string, string>, bool>>();
        foreach (var raw in SplitTopLevel(selector))
        {
            var term = raw.Trim();
            if (SetExpr().Match(term) is { Success: true } set)
            {
                var key = set.Groups[1].Value;
                var values = set.Groups[3].Value.Split(',').Select(v => v.Trim()).ToHashSet(StringComparer.Ordinal);
                var negate = set.Groups[2].Value == "notin";
                tests.Add(l => l.TryGetValue(key, out var v) ? values.Contains(v) != negate : negate);
                continue;
            }
            var (k, op, value) = Split(term);
            tests.Add(op switch
            {
                "!=" => l => !l.TryGetValue(k, out var x) || x != value,
                "=" or "==" => l => l.TryGetValue(k, out var x) && x == value,
                "!" => l => !l.ContainsKey(k),
                _ => l => l.ContainsKey(k),
            });
        }
        return labels => tests.All(t => t(labels));
    }

    /// <summary>Does a set of labels match the selector?</summary>
    public static bool Matches(string? selector, IReadOnlyDictionary<string, string> labels) => Compile(selector)(labels);

    /// <summary>An equality term's key, operator (<c>=</c>, <c>==</c>, <c>!=</c>, <c>!</c> for "absent", null for "present") and value.</summary>
    private static (string Key, string? Op, string Value) Split(string term)
    {
        var op = term.Contains("!=", StringComparison.Ordinal) ? "!=" : term.Contains("==", StringComparison.Ordinal) ? "==" : term.Contains('=', StringComparison.Ordinal) ? "=" : null;
        if (op is null) return term.StartsWith('!') ? (term[1..].Trim(), "!", "") : (term, null, "");
        var at = term.IndexOf(op, StringComparison.Ordinal);
        return (term[..at].Trim(), op, term[(at + op.Length)..].Trim());
    }

    private static IEnumerable<string> SplitTopLevel(string s)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '(') depth++;
            else if (s[i] == ')') depth--;
            else if (s[i] == ',' && depth == 0)
            {
                yield return s[start..i];
                start = i + 1;
            }
        }
        yield return s[start..];
    }
}
