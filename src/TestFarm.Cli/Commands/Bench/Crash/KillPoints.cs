using System.Globalization;
using System.Text.Json.Nodes;

namespace TestFarm.Cli.Commands.Bench.Crash;

/// <summary>One phase of a clean run, in seconds after the trigger.</summary>
internal sealed record PhaseSpan(string Phase, double From, double To)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Phase} {From:0.0}–{To:0.0} s");
}

/// <summary>Where a kill is aimed: seconds after the trigger and the phase the clean run was in then.</summary>
internal sealed record KillPoint(TimeSpan After, string AimedAt);

/// <summary>
/// The kill points of a campaign. By default they follow the run: a clean trial is timed first and each kill picks one of
/// its phases at random (each phase equally likely, so a short reserve is hit as often as a long suite run) and a uniform
/// second inside it. With <c>--kill-window</c>, a uniform second of that window, as before.
/// </summary>
internal static class KillPoints
{
    public static KillPoint Draw(Random random, IReadOnlyList<PhaseSpan> phases)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(phases);
        if (phases.Count == 0) throw new ArgumentException("a clean run with no phases", nameof(phases));
        var phase = phases[random.Next(phases.Count)];
        return new KillPoint(TimeSpan.FromSeconds(phase.From + random.NextDouble() * Math.Max(0, phase.To - phase.From)), phase.Phase);
    }

    public static KillPoint InWindow(Random random, int windowSeconds) => new(TimeSpan.FromSeconds(random.NextDouble() * windowSeconds), "window");

    /// <summary>
    /// The phases of a run's (first) cell from the API's run document (not their steps, such as <c>reimage/post</c>), relative
    /// to the run's start, in the order they began; a phase still running
    /// (no duration) ends at <paramref name="end"/> seconds. Phases shorter than a tenth of a second are left out (when any other is left).
    /// </summary>
    public static IReadOnlyList<PhaseSpan> FromRun(JsonNode run, double end)
    {
        ArgumentNullException.ThrowIfNull(run);
        var started = DateTimeOffset.Parse(run["started"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        var spans = new List<PhaseSpan>();
        foreach (var p in run["cells"]?.AsArray().FirstOrDefault()?["phases"]?.AsArray() ?? [])
        {
            // The pipeline's phases only: a reimage's steps (reimage/post, one per machine) lie inside it.
            if (p?["phase"]?.GetValue<string>() is not { } name || name.Contains('/', StringComparison.Ordinal) || p["start"]?.GetValue<string>() is not { } start) continue;
            var from = (DateTimeOffset.Parse(start, CultureInfo.InvariantCulture) - started).TotalSeconds;
            var to = p["durationSeconds"]?.GetValue<double>() is { } d ? from + d : end;
            spans.Add(new PhaseSpan(name, Math.Max(0, from), Math.Max(0, to)));
        }
        spans = [.. spans.OrderBy(s => s.From)];
        return spans.Where(s => s.To - s.From >= 0.1).ToList() is { Count: > 0 } kept ? kept : spans;
    }
}
