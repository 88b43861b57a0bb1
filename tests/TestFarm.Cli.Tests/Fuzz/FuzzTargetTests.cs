using TestFarm.Cli.Commands.Fuzz;

namespace TestFarm.Cli.Tests.Fuzz;

/// <summary>
/// Every parser that takes outside input, fuzzed for a fixed number of cases (not a time) from its shipped seeds and the
/// real fixtures, on a fixed seed: no case may throw anything but the parser's own error, and every rejection must name
/// its place, stay bounded and show no .NET type name. A failure prints the crash and where its reproducer was written.
/// </summary>
[Parallelizable(ParallelScope.None)]
public sealed class FuzzTargetTests
{
    public const int CasesPerTarget = 1000;
    private const int Seed = 23;

    private static IEnumerable<string> Targets() => FuzzTargets.All.Select(t => t.Name);

    [TestCaseSource(nameof(Targets))]
    public void A_thousand_mutated_inputs_crash_no_parser(string name)
    {
        var target = FuzzTargets.Find(name)!;
        var seeds = FuzzSeeds.Shipped(name).Concat(FixtureSeeds.For(name)).ToList();
        var crashes = Path.Combine(Path.GetTempPath(), "testfarm-fuzz-" + name + "-" + Guid.NewGuid().ToString("N"));

        var report = FuzzHarness.Run(target, seeds, new FuzzSettings { Seed = Seed, Iterations = CasesPerTarget, CrashDirectory = crashes }, TimeProvider.System);

        TestContext.Out.WriteLine($"{name}: {report.Cases} cases ({seeds.Count} seeds), {report.Accepted} accepted, {report.Rejected} rejected, " +
                                  $"{report.CrashCases} crashes, corpus {report.CorpusSize}, slowest {report.Slowest.TotalMilliseconds:0} ms");
        Assert.That(report.Cases, Is.EqualTo(CasesPerTarget));
        Assert.That(report.Crashes.Select(c => $"{c.Kind} at case {c.Case} (seed {c.Seed}, reproducer {c.ReproducerPath}): {c.Detail}"), Is.Empty);
        Assert.That(report.Rejected, Is.GreaterThan(0), "the mutants reached the parser's own errors");
        if (Directory.Exists(crashes)) Directory.Delete(crashes, recursive: true);
    }

    [Test]
    public void Every_target_ships_seeds()
    {
        Assert.That(FuzzTargets.All.Where(t => FuzzSeeds.Shipped(t.Name).Count == 0).Select(t => t.Name), Is.Empty);
        Assert.That(FuzzTargets.All.Select(t => t.Name), Is.Unique);
    }
}
