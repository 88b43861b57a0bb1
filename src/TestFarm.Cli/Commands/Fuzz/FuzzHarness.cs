using System.Text;
using System.Text.RegularExpressions;

namespace TestFarm.Cli.Commands.Fuzz;

/// <summary>How long a campaign runs and where its crashes go.</summary>
internal sealed record FuzzSettings
{
    /// <summary>Stop after this many cases (the seeds themselves count); null: only <see cref="Duration"/> stops it.</summary>
    public int? Iterations { get; init; }
    public TimeSpan? Duration { get; init; }
    public int Seed { get; init; }
    /// <summary>Folder for reproducers (<c>crash-&lt;target&gt;-&lt;seed&gt;-&lt;case&gt;.bin</c>); null keeps them in memory only.</summary>
    public string? CrashDirectory { get; init; }
    /// <summary>Writes each input to <c>inflight-&lt;target&gt;.bin</c> before running it, so a case that kills the process (stack overflow) is kept.</summary>
    public bool KeepInFlight { get; init; }
    /// <summary>A case that takes longer than this is a crash of kind "slow".</summary>
    public TimeSpan SlowCase { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>Distinct crashes kept (by kind, exception type and first frame); further ones are counted only.</summary>
    public int MaxDistinctCrashes { get; init; } = 20;
}

/// <summary>One crash: which case (seed and case number reproduce it), why, and the reproducer.</summary>
internal sealed record FuzzCrash(string Target, int Seed, long Case, string Kind, string Detail, byte[] Input, string? ReproducerPath);

internal sealed record FuzzReport(string Target, long Cases, long Accepted, long Rejected, long CrashCases, IReadOnlyList<FuzzCrash> Crashes,
    int CorpusSize, TimeSpan Elapsed, TimeSpan Slowest)
{
    /// <summary>The share of cases the parser accepted: how far past its rejections the mutants reached.</summary>
    public double AcceptedShare => Cases == 0 ? 0 : (double)Accepted / Cases;
}

/// <summary>
/// The mutational loop: runs every seed, then mutants of the corpus, each case on its own <see cref="Random"/> derived from
/// the campaign seed and the case number. An input whose outcome is new (accepted, or a rejection message not seen before,
/// digits aside) joins the corpus, so mutation moves on from inputs that reached another part of the parser.
/// </summary>
internal static partial class FuzzHarness
{
    private const int MaxCorpus = 512;
    private const int MaxCorpusEntry = 64 * 1024;

    public static FuzzReport Run(FuzzTarget target, IReadOnlyList<byte[]> seeds, FuzzSettings settings, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Iterations is null && settings.Duration is null) throw new ArgumentException("give iterations or a duration", nameof(settings));
        var corpus = new List<byte[]>(seeds.Count == 0 ? [[]] : seeds);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var crashes = new List<FuzzCrash>();
        var signatures = new HashSet<string>(StringComparer.Ordinal);
        long cases = 0, accepted = 0, rejected = 0, crashCases = 0;
        var slowest = TimeSpan.Zero;
        var start = time.GetTimestamp();
        var inFlight = settings.KeepInFlight && settings.CrashDirectory is { } dir ? Path.Combine(dir, $"inflight-{target.Name}.bin") : null;
        if (inFlight is not null) Directory.CreateDirectory(Path.GetDirectoryName(inFlight)!);
        var seedCount = corpus.Count;
        // Accepted inputs, for the name swaps of a target with Names.
        var valid = new List<byte[]>();
        while (settings.Iterations is not { } max || cases < max)
        {
            if (settings.Duration is { } d && time.GetElapsedTime(start) >= d) break;
            var random = new Random(CaseSeed(settings.Seed, cases));
            var input = cases < seedCount ? corpus[(int)cases]
                : target.Names.Count > 0 && valid.Count > 0 && random.Next(2) == 0 ? Mutator.SwapName(random, valid[random.Next(valid.Count)], target, corpus)
                : Mutator.Mutate(random, corpus[random.Next(corpus.Count)], target, corpus);
            if (inFlight is not null) File.WriteAllBytes(inFlight, input);
            var began = time.GetTimestamp();
            var outcome = RunOne(target, input);
            var took = time.GetElapsedTime(began);
            if (took > slowest) slowest = took;
            // The first case also pays for the parser's JIT and static set-up, so it is not judged slow.
            if (!outcome.Crashed && cases > 0 && took > settings.SlowCase)
                outcome = outcome with { CrashKind = "slow", CrashDetail = $"one case took {took.TotalSeconds:0.0} s (limit {settings.SlowCase.TotalSeconds:0.#} s)" };
            if (outcome.Crashed)
            {
                crashCases++;
                if (signatures.Add(CrashSignature(outcome)) && crashes.Count < settings.MaxDistinctCrashes)
                    crashes.Add(Save(target, settings, cases, outcome, input));
            }
            else if (outcome.Rejection is null)
            {
                accepted++;
                if (target.Names.Count > 0 && valid.Count < MaxCorpus && input.Length <= MaxCorpusEntry) valid.Add(input);
            }
            else rejected++;
            if (!outcome.Crashed && corpus.Count < MaxCorpus && input.Length <= MaxCorpusEntry && seen.Add(Signature(outcome.Rejection)))
            {
                if (cases >= seedCount) corpus.Add(input);
            }
            cases++;
        }
        if (inFlight is not null) File.Delete(inFlight);
        return new FuzzReport(target.Name, cases, accepted, rejected, crashCases, crashes, corpus.Count, time.GetElapsedTime(start), slowest);
    }

    /// <summary>One input through the target, judged: its own error is a rejection; anything else, or a bad message, is a crash.</summary>
    public static FuzzOutcome RunOne(FuzzTarget target, byte[] input)
    {
        ArgumentNullException.ThrowIfNull(target);
        string? rejection;
        try
        {
            rejection = target.Run(input);
        }
        catch (FuzzViolationException v)
        {
            return new FuzzOutcome(null, v.Kind, v.Message);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new FuzzOutcome(null, "exception", $"{e.GetType().FullName}: {Cut(e.Message, 300)}\n{Cut(e.StackTrace ?? "", 1500)}");
        }
        if (rejection is null) return new FuzzOutcome(null, null, null);
        if (rejection.Length > target.MaxMessage)
            return new FuzzOutcome(rejection, "unbounded message", $"{rejection.Length} characters (at most {target.MaxMessage}): {Cut(rejection, 300)}");
        if (!target.NamesPlace(rejection))
            return new FuzzOutcome(rejection, "no place", $"the message names no place: {Cut(rejection, 300)}");
        if (TypeName().Match(rejection) is { Success: true } m)
            return new FuzzOutcome(rejection, "type name", $"the message shows the .NET type name {m.Value}: {Cut(rejection, 300)}");
        return new FuzzOutcome(rejection, null, null);
    }

    /// <summary>The seed of case <paramref name="n"/> of a campaign: the same pair always mutates the same way.</summary>
    public static int CaseSeed(int seed, long n)
    {
        var x = unchecked((ulong)(uint)seed * 0x9E3779B97F4A7C15UL + (ulong)n * 0xBF58476D1CE4E5B9UL);
        x ^= x >> 31;
        x = unchecked(x * 0x94D049BB133111EBUL);
        return (int)(x ^ (x >> 32));
    }

    private static FuzzCrash Save(FuzzTarget target, FuzzSettings settings, long n, FuzzOutcome outcome, byte[] input)
    {
        string? path = null;
        if (settings.CrashDirectory is { } dir)
        {
            Directory.CreateDirectory(dir);
            path = Path.Combine(dir, $"crash-{target.Name}-{settings.Seed}-{n}.bin");
            File.WriteAllBytes(path, input);
            File.WriteAllText(path[..^4] + ".txt",
                $"target {target.Name}, seed {settings.Seed}, case {n}: {outcome.CrashKind}\n{outcome.CrashDetail}\n" +
                $"replay: testfarm fuzz {target.Name} --replay {path}\n", Encoding.UTF8);
        }
        return new FuzzCrash(target.Name, settings.Seed, n, outcome.CrashKind!, outcome.CrashDetail!, input, path);
    }

    /// <summary>Crashes are told apart by kind and exception type with its first frame, or by the start of the message at fault.</summary>
    private static string CrashSignature(FuzzOutcome outcome)
    {
        var line = FirstLine(outcome.CrashDetail!);
        if (outcome.CrashKind != "exception") line = line[..Math.Min(line.Length, 60)];
        return outcome.CrashKind + "|" + Digits().Replace(line, "#");
    }

    private static string Signature(string? rejection) =>
        rejection is null ? "accepted" : Digits().Replace(rejection.Length > 120 ? rejection[..120] : rejection, "#");

    private static string FirstLine(string text) => text.Split('\n')[0] is var line && text.Split('\n') is { Length: > 1 } lines
        ? line + lines.Skip(1).FirstOrDefault(l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal)) : line;

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..max] + $"…({text.Length} chars)";

    [GeneratedRegex(@"\d+")]
    private static partial Regex Digits();

    /// <summary>A namespace-qualified .NET type (System.String, TestFarm.Server.Api.TriggerBody, YamlDotNet.Core.Mark).</summary>
    [GeneratedRegex(@"\b(?:System|Microsoft|TestFarm|Octokit|YamlDotNet|k8s)(?:\.[A-Z][A-Za-z0-9_`]*)+")]
    private static partial Regex TypeName();
}
