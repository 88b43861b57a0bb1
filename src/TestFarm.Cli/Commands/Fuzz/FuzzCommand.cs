using System.CommandLine;
using System.Globalization;

namespace TestFarm.Cli.Commands.Fuzz;

/// <summary>
/// <c>testfarm fuzz &lt;target|all&gt; [--seconds N | --iterations N] [--seed S] [--corpus DIR] [--out DIR] [--root DIR]</c>: mutational
/// fuzzing of one parser that takes outside input (or each in turn), from its shipped seeds plus the corpus folder's files. The pool
/// and plan targets load their input beside the checkout's (<c>--root</c>, default the working folder) hardware profiles, suites
/// and pool, and also start from its own pool and plans and from files generated over them. Prints each target's cases, accepted
/// share, rejections and crashes; every crash is printed with its seed and case and saved as a reproducer in
/// <c>--out</c> (default <c>fuzz-crashes</c>). <c>--replay FILE</c> runs one saved input. Exit 0: no crash; 1: crashes; 2: usage.
/// </summary>
public sealed class FuzzCommand(TimeProvider time) : ICliCommand
{
    public string Path => "fuzz";

    public Command Build()
    {
        var target = new Argument<string>("target") { Description = "A parser (see --list) or 'all'.", Arity = ArgumentArity.ZeroOrOne };
        var seconds = new Option<int?>("--seconds") { Description = "Run each target this long (default 60 when --iterations is not given)." };
        var iterations = new Option<int?>("--iterations") { Description = "Run each target this many cases (seeds included)." };
        var seed = new Option<int?>("--seed") { Description = "Campaign seed; the same seed and case number mutate the same way (default: from the clock, printed)." };
        var corpus = new Option<DirectoryInfo?>("--corpus") { Description = "More seeds: DIR/<target>/* or DIR/*." };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Where reproducers go (default ./fuzz-crashes)." };
        var replay = new Option<FileInfo?>("--replay") { Description = "Run one input file through the target and print what it did." };
        var list = new Option<bool>("--list") { Description = "List the targets." };
        var root = new Option<DirectoryInfo?>("--root") { Description = "The checkout whose hardware-profiles/, scenarios/suites/ and pool.yaml a fuzzed pool or plan refers to (default: the working folder)." };
        var command = new Command("fuzz", "Mutational fuzzing of the parsers that take outside input.")
        {
            target, seconds, iterations, seed, corpus, output, replay, list, root,
        };
        command.SetAction(parse => Run(new FuzzArguments(parse.GetValue(target), parse.GetValue(seconds), parse.GetValue(iterations), parse.GetValue(seed),
            parse.GetValue(corpus)?.FullName, parse.GetValue(output)?.FullName, parse.GetValue(replay)?.FullName, parse.GetValue(list), parse.GetValue(root)?.FullName),
            parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error));
        return command;
    }

    internal int Run(FuzzArguments a, TextWriter output, TextWriter error)
    {
        if (a.List || a.Target is null)
        {
            foreach (var t in FuzzTargets.All) output.WriteLine($"{t.Name,-18} {t.Description}");
            return a.List ? ExitCodes.Success : Usage(error, "give a target or 'all'");
        }
        var rootFolder = a.Root ?? Directory.GetCurrentDirectory();
        if (a.Root is not null && !Directory.Exists(a.Root)) return Usage(error, $"--root {a.Root}: no such folder");
        var context = ConfigFuzzContext.Load(rootFolder);
        if (context is null) output.WriteLine($"fuzz: no hardware-profiles/ in {rootFolder}: a pool or plan is loaded alone (give --root CHECKOUT)");
        context ??= ConfigFuzzContext.None;
        var all = FuzzTargets.For(context);
        var targets = a.Target == "all" ? all : all.FirstOrDefault(t => t.Name == a.Target) is { } one ? [one] : [];
        if (targets.Count == 0) return Usage(error, $"no target '{a.Target}'; the targets: {string.Join(", ", FuzzTargets.All.Select(t => t.Name))}, all");
        if (a.Seconds is < 1 || a.Iterations is < 1) return Usage(error, "--seconds and --iterations must be at least 1");
        if (a.Corpus is { } c && !Directory.Exists(c)) return Usage(error, $"--corpus {c}: no such folder");
        if (a.Replay is { } r) return targets.Count == 1 && File.Exists(r) ? Replay(targets[0], r, output) : Usage(error, $"--replay takes one target and an existing file, was {a.Target} {r}");

        var seed = a.Seed ?? (int)(time.GetUtcNow().ToUnixTimeMilliseconds() & int.MaxValue);
        var settings = new FuzzSettings
        {
            Seed = seed, Iterations = a.Iterations, Duration = a.Iterations is null || a.Seconds is not null ? TimeSpan.FromSeconds(a.Seconds ?? 60) : null,
            CrashDirectory = a.Out ?? System.IO.Path.GetFullPath("fuzz-crashes"), KeepInFlight = true,
        };
        output.WriteLine($"fuzz: seed {seed}, {(settings.Iterations is { } n ? $"{n} cases" : "")}{(settings.Iterations is not null && settings.Duration is not null ? " or " : "")}{(settings.Duration is { } d ? $"{d.TotalSeconds:0} s" : "")} per target, reproducers in {settings.CrashDirectory}");
        var crashed = 0L;
        foreach (var t in targets)
        {
            var seeds = FuzzTargets.Seeds(t, context, seed).Concat(a.Corpus is null ? [] : FuzzSeeds.FromFolder(a.Corpus, t.Name)).ToList();
            var report = FuzzHarness.Run(t, seeds, settings, time);
            var rate = report.Cases / Math.Max(report.Elapsed.TotalSeconds, 0.001);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{t.Name,-18} {report.Cases,9} cases {rate,8:0} /s  accepted {report.Accepted,7} ({report.AcceptedShare,4:P0})  rejected {report.Rejected,8}  crashes {report.CrashCases,5} ({report.Crashes.Count} distinct)  corpus {report.CorpusSize,3}  seeds {seeds.Count,2}  slowest {report.Slowest.TotalMilliseconds,6:0} ms"));
            foreach (var crash in report.Crashes)
            {
                output.WriteLine($"  CRASH {crash.Kind} (seed {crash.Seed}, case {crash.Case}): {Cut(crash.Detail.Split('\n')[0])}");
                output.WriteLine($"    reproducer {crash.ReproducerPath}; replay: testfarm fuzz {t.Name} --replay {crash.ReproducerPath}");
            }
            crashed += report.CrashCases;
        }
        output.WriteLine(crashed == 0 ? "fuzz: 0 crashes" : $"fuzz: {crashed} crashing case(s)");
        return crashed == 0 ? ExitCodes.Success : ExitCodes.InvalidInput;
    }

    private static int Replay(FuzzTarget target, string file, TextWriter output)
    {
        var outcome = FuzzHarness.RunOne(target, File.ReadAllBytes(file));
        if (outcome.Crashed)
        {
            output.WriteLine($"{target.Name}: CRASH {outcome.CrashKind}: {outcome.CrashDetail}");
            return ExitCodes.InvalidInput;
        }
        output.WriteLine(outcome.Rejection is null ? $"{target.Name}: accepted" : $"{target.Name}: rejected: {outcome.Rejection}");
        return ExitCodes.Success;
    }

    private static string Cut(string text) => text.Length <= 240 ? text : text[..240] + "…";

    private static int Usage(TextWriter error, string message)
    {
        error.WriteLine($"fuzz: {message}");
        return ExitCodes.Usage;
    }
}

internal sealed record FuzzArguments(string? Target, int? Seconds, int? Iterations, int? Seed, string? Corpus, string? Out, string? Replay, bool List, string? Root = null);
