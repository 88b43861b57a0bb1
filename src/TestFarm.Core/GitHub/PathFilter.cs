using System.Text;
using System.Text.RegularExpressions;

namespace TestFarm.Core.GitHub;

/// <summary>Glob path filters of pull-request plans: <c>**</c> any folders, <c>*</c> within a name, <c>?</c> one char.</summary>
public static class PathFilter
{
    /// <summary>True when <paramref name="globs"/> is empty or any changed file matches any glob.</summary>
    public static bool Matches(IReadOnlyList<string> globs, IEnumerable<string> changedFiles)
    {
        ArgumentNullException.ThrowIfNull(globs);
        if (globs.Count == 0) return true;
        var regexes = globs.Select(ToRegex).ToList();
        return changedFiles.Any(f => regexes.Any(r => r.IsMatch(f)));
    }

    public static Regex ToRegex(string glob)
    {
        ArgumentNullException.ThrowIfNull(glob);
        var pattern = new StringBuilder("^");
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            if (c == '*' && i + 1 < glob.Length && glob[i + 1] == '*')
            {
                i++;
                if (i + 1 < glob.Length && glob[i + 1] == '/') { i++; pattern.Append("(?:.*/)?"); }
                else pattern.Append(".*");
            }
            else if (c == '*') pattern.Append("[^/]*");
            else if (c == '?') pattern.Append("[^/]");
            else pattern.Append(Regex.Escape(c.ToString()));
        }
        // A folder glob ("docs/") covers everything below it.
        if (glob.EndsWith('/')) pattern.Append(".*");
        return new Regex(pattern.Append('$').ToString(), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }
}
