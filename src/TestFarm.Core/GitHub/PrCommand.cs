namespace TestFarm.Core.GitHub;

public enum PrCommandKind { Test, Retest, Cancel, OkToTest, Unknown }

/// <summary>
/// A slash command found in a PR comment: <c>/test [plan]</c>, <c>/retest</c>, <c>/cancel</c>, <c>/ok-to-test</c>; or
/// <see cref="PrCommandKind.Unknown"/> with the word in <see cref="Plan"/> (a <c>/word</c> line that is no command).
/// </summary>
public sealed record PrCommand(PrCommandKind Kind, string? Plan = null)
{
    /// <summary>The commands, as a reply names them.</summary>
    public const string Known = "`/test [plan]`, `/retest [plan]`, `/cancel [plan]`, `/ok-to-test`";
}

/// <summary>Finds commands in a comment body: each must start its own line; quoted lines and code blocks are ignored.</summary>
public static class PrCommandParser
{
    public static IReadOnlyList<PrCommand> Parse(string? body)
    {
        var commands = new List<PrCommand>();
        if (string.IsNullOrEmpty(body)) return commands;
        var inFence = false;
        foreach (var raw in body.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith("```", StringComparison.Ordinal)) { inFence = !inFence; continue; }
            if (inFence || !line.StartsWith('/')) continue;
            var parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            var argument = parts.Length > 1 ? parts[1] : null;
            PrCommand? command = parts[0].ToLowerInvariant() switch
            {
                "/test" => new PrCommand(PrCommandKind.Test, argument is "all" ? null : argument),
                "/retest" => new PrCommand(PrCommandKind.Retest, argument),
                "/cancel" => new PrCommand(PrCommandKind.Cancel, argument),
                "/ok-to-test" => new PrCommand(PrCommandKind.OkToTest),
                var word when IsWord(word) => new PrCommand(PrCommandKind.Unknown, word.Length <= 40 ? word : word[..40] + "…"),
                _ => null,
            };
            if (command is not null && !commands.Contains(command)) commands.Add(command);
        }
        return commands;
    }

    /// <summary>A <c>/word</c> (letters, digits, dashes), not a path like <c>/usr/bin</c>.</summary>
    private static bool IsWord(string token) => token.Length > 1 && char.IsAsciiLetter(token[1]) && token.Skip(1).All(c => char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_');
}
