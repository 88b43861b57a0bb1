namespace TestFarm.Core.GitHub;

public enum PrCommandKind { Test, Retest, Cancel, OkToTest }

/// <summary>A slash command found in a PR comment: <c>/test [plan]</c>, <c>/retest</c>, <c>/cancel</c>, <c>/ok-to-test</c>.</summary>
public sealed record PrCommand(PrCommandKind Kind, string? Plan = null);

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
                _ => null,
            };
            if (command is not null && !commands.Contains(command)) commands.Add(command);
        }
        return commands;
    }
}
