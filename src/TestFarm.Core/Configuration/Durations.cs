using System.Globalization;
using System.Text.RegularExpressions;

namespace TestFarm.Core.Configuration;

/// <summary>Durations as written in plans: <c>90s</c>, <c>30m</c>, <c>2h</c>, <c>1h30m</c>, <c>1d</c>.</summary>
public static partial class Durations
{
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var match = Pattern().Match(text.Trim());
        if (!match.Success || match.Length == 0) return false;
        foreach (Capture part in match.Groups["part"].Captures)
        {
            var number = int.Parse(part.Value[..^1], CultureInfo.InvariantCulture);
            value += part.Value[^1] switch
            {
                'd' => TimeSpan.FromDays(number),
                'h' => TimeSpan.FromHours(number),
                'm' => TimeSpan.FromMinutes(number),
                _ => TimeSpan.FromSeconds(number),
            };
        }
        return value > TimeSpan.Zero;
    }

    [GeneratedRegex(@"^(?<part>\d{1,6}[dhms])+$")]
    private static partial Regex Pattern();
}
