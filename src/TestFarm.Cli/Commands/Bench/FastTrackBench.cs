using System.Globalization;
using TestFarm.Configuration;
using TestFarm.Core.Configuration;
using TestFarm.Core.Provisioning;
using TestFarm.Lab.Bench;

namespace TestFarm.Cli.Commands.Bench;

/// <summary><c>testfarm bench boot --fast-track</c>: grant → verified boot, fast-tracked over full, on a scaled clock.</summary>
internal static class FastTrackBench
{
    public static async Task<int> RunAsync(string profileFile, double scale, double target, CancellationToken ct)
    {
        if (scale is < 1 or > 10_000)
        {
            Console.Error.WriteLine($"bench boot: --scale must be between 1 and 10000, was {scale.ToString(CultureInfo.InvariantCulture)}");
            return ExitCodes.Usage;
        }
        if (!File.Exists(profileFile))
        {
            Console.Error.WriteLine($"bench boot: --profile {profileFile}: no such file");
            return ExitCodes.InvalidInput;
        }
        var errors = new List<ConfigError>();
        var loaded = HardwareProfileLoader.Load(profileFile, await File.ReadAllTextAsync(profileFile, ct), errors);
        foreach (var e in errors.Take(20)) Console.Error.WriteLine(e);
        if (loaded is null || errors.Count > 0) return ExitCodes.InvalidInput;

        var profile = loaded.Value;
        var clock = new ScaledTimeProvider(scale);
        var result = await FastTrackBenchmark.RunAsync(profile, clock, ct);
        foreach (var (name, o) in new[] { ("full", result.FullOutcome), ("clean", result.CleanOutcome), ("fast-track", result.FastOutcome) })
            Console.WriteLine($"{name}: {o.Status} path={o.Path?.ToString() ?? "-"} {string.Join(", ", o.Phases.Select(p => $"{p.Phase} {Seconds(p.Duration)}s"))}{(o.Error is null ? "" : " — " + o.Error)}");
        Console.WriteLine($"profile {profile.Name}: POST {profile.Firmware.PostSeconds} s; clock: system clock ×{scale.ToString(CultureInfo.InvariantCulture)} (times below in simulated seconds)");
        Console.WriteLine($"full path grant → verified:   {Seconds(result.Full)} s");
        Console.WriteLine($"fast track grant → verified:  {Seconds(result.Fast)} s");
        Console.WriteLine($"fast-track/full={result.Ratio.ToString("0.000", CultureInfo.InvariantCulture)} (target ≤ {target.ToString(CultureInfo.InvariantCulture)})");
        if (!result.FullOutcome.Ok || !result.CleanOutcome.Ok || !result.FastOutcome.Ok) return ExitCodes.FarmFailure;
        if (result.FastOutcome.Path != BootPath.FastTrack)
        {
            Console.Error.WriteLine($"bench boot: the second boot took the {result.FastOutcome.Path} path, not the fast track (profile {profile.Name} boot.fastTrack={profile.Boot.FastTrack})");
            return ExitCodes.TargetMissed;
        }
        return result.Ratio <= target ? ExitCodes.Success : ExitCodes.TargetMissed;
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
}
