using System.Text;

namespace TestFarm.Core.Configuration;

/// <summary>Spelling helpers for messages: kebab-case enum names and the nearest valid name.</summary>
public static class Names
{
    /// <summary><c>RookOsd</c> → <c>rook-osd</c>, <c>Amd64</c> → <c>amd64</c>.</summary>
    public static string Kebab<T>(T value) where T : struct, Enum => Kebab(value.ToString());

    public static string Kebab(string pascal)
    {
        var sb = new StringBuilder(pascal.Length + 4);
        for (var i = 0; i < pascal.Length; i++)
        {
            var c = pascal[i];
            if (char.IsUpper(c) && i > 0) sb.Append('-');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }

    /// <summary>Every value of <typeparamref name="T"/> in kebab-case, in declaration order.</summary>
    public static IReadOnlyList<string> KebabValues<T>() where T : struct, Enum =>
        Enum.GetValues<T>().Select(v => Kebab(v)).ToList();

    /// <summary>Parses a kebab-case enum value (case-insensitive).</summary>
    public static bool TryParseKebab<T>(string text, out T value) where T : struct, Enum
    {
        foreach (var v in Enum.GetValues<T>())
        {
            if (string.Equals(Kebab(v), text, StringComparison.OrdinalIgnoreCase))
            {
                value = v;
                return true;
            }
        }
        value = default;
        return false;
    }

    /// <summary>The candidate closest to <paramref name="word"/> by edit distance, if it is close enough to be a typo.</summary>
    public static string? Nearest(string word, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var (w, c) = (word.ToLowerInvariant(), candidate.ToLowerInvariant());
            var d = Distance(w, c);
            // A prefix ("password" for "passwordEnv") is as good as a one-letter typo.
            if (w.Length >= 3 && (c.StartsWith(w, StringComparison.Ordinal) || w.StartsWith(c, StringComparison.Ordinal))) d = Math.Min(d, 1);
            if (d < bestDistance || (d == bestDistance && string.CompareOrdinal(candidate, best) < 0))
            {
                best = candidate;
                bestDistance = d;
            }
        }
        return best is not null && bestDistance <= Math.Max(2, word.Length / 3) ? best : null;
    }

    /// <summary>Levenshtein distance.</summary>
    public static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    /// <summary>" (did you mean 'x'?)" or an empty string.</summary>
    public static string DidYouMean(string word, IEnumerable<string> candidates) =>
        Nearest(word, candidates) is { } near ? $"; did you mean '{near}'?" : "";
}
