using System.Text.RegularExpressions;

namespace TestFarm.Scenarios.Settings;

/// <summary>
/// Checks the syntax of a Kubernetes label selector (<c>a=b,c!=d,e in (x,y),f notin (z),g,!h</c>) before it is sent,
/// so a bad selector is a validation error at the step rather than an API error mid-chaos.
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
            string key, value = "";
            var op = term.Contains("!=", StringComparison.Ordinal) ? "!=" : term.Contains("==", StringComparison.Ordinal) ? "==" : term.Contains('=', StringComparison.Ordinal) ? "=" : null;
            if (op is null)
            {
                key = term.StartsWith('!') ? term[1..].Trim() : term;
            }
            else
            {
                var at = term.IndexOf(op, StringComparison.Ordinal);
                key = term[..at].Trim();
                value = term[(at + op.Length)..].Trim();
                if (!Value().IsMatch(value)) return $"bad value '{value}' in label selector '{selector}'";
            }
            if (!Key().IsMatch(key)) return $"bad key '{key}' in label selector '{selector}'";
        }
        return null;
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

    /// <summary>Does a set of labels match a selector of equality terms (used by fakes and client-side filters)?</summary>
    public static bool Matches(string? selector, IReadOnlyDictionary<string, string> labels)
    {
        if (string.IsNullOrWhiteSpace(selector)) return true;
        foreach (var raw in SplitTopLevel(selector))
        {
            var term = raw.Trim();
            if (SetExpr().Match(term) is { Success: true } set)
            {
                var vals = set.Groups[3].Value.Split(',').Select(v => v.Trim()).ToHashSet();
                var has = labels.TryGetValue(set.Groups[1].Value, out var lv) && vals.Contains(lv);
                if (set.Groups[2].Value == "in" ? !has : has) return false;
                continue;
            }
            if (term.Contains("!=", StringComparison.Ordinal))
            {
                var p = term.Split("!=", 2);
                if (labels.TryGetValue(p[0].Trim(), out var v) && v == p[1].Trim()) return false;
            }
            else if (term.Contains('=', StringComparison.Ordinal))
            {
                var p = term.Replace("==", "=", StringComparison.Ordinal).Split('=', 2);
                if (!labels.TryGetValue(p[0].Trim(), out var v) || v != p[1].Trim()) return false;
            }
            else if (term.StartsWith('!'))
            {
                if (labels.ContainsKey(term[1..].Trim())) return false;
            }
            else if (!labels.ContainsKey(term)) return false;
        }
        return true;
    }
}
