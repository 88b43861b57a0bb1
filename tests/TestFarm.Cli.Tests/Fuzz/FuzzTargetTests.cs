using TestFarm.Cli.Commands.Fuzz;
using TestFarm.Testing;

namespace TestFarm.Cli.Tests.Fuzz;

/// <summary>
/// Every parser that takes outside input, fuzzed for a fixed number of cases (not a time) from its shipped seeds and the
/// real fixtures, on a fixed seed: no case may throw anything but the parser's own error, and every rejection must name
/// its place, stay bounded and show no .NET type name. A failure prints the crash and where its reproducer was written.
/// The pool and plan targets load their input beside the repository's profiles, suites and pool, so their mutants reach
/// acceptance: at least a fifth of their cases must be accepted.
/// </summary>
[Parallelizable(ParallelScope.None)]
public sealed class FuzzTargetTests
{
    public const int CasesPerTarget = 1000;
    private const int Seed = 23;
    private const double MinAcceptedShare = 0.20;

    private static readonly Lazy<ConfigFuzzContext> Context = new(() => ConfigFuzzContext.Load(Fixtures.RepositoryRoot)!);

    private static IEnumerable<string> Targets() => FuzzTargets.All.Select(t => t.Name);

    [TestCaseSource(nameof(Targets))]
    public void A_thousand_mutated_inputs_crash_no_parser(string name)
    {
        var target = FuzzTargets.For(Context.Value).Single(t => t.Name == name);
        var seeds = FuzzTargets.Seeds(target, Context.Value, Seed).Concat(FixtureSeeds.For(name)).ToList();
        var crashes = Path.Combine(Path.GetTempPath(), "testfarm-fuzz-" + name + "-" + Guid.NewGuid().ToString("N"));

        var report = FuzzHarness.Run(target, seeds, new FuzzSettings { Seed = Seed, Iterations = CasesPerTarget, CrashDirectory = crashes }, TimeProvider.System);

        TestContext.Out.WriteLine($"{name}: {report.Cases} cases ({seeds.Count} seeds), {report.Accepted} accepted ({report.AcceptedShare:P1}), {report.Rejected} rejected, " +
                                  $"{report.CrashCases} crashes, corpus {report.CorpusSize}, slowest {report.Slowest.TotalMilliseconds:0} ms");
        Assert.That(report.Cases, Is.EqualTo(CasesPerTarget));
        Assert.That(report.Crashes.Select(c => $"{c.Kind} at case {c.Case} (seed {c.Seed}, reproducer {c.ReproducerPath}): {c.Detail}"), Is.Empty);
        Assert.That(report.Rejected, Is.GreaterThan(0), "the mutants reached the parser's own errors");
        if (name is "pool" or "plan")
            Assert.That(report.AcceptedShare, Is.GreaterThanOrEqualTo(MinAcceptedShare), $"{name}: the mutants reach acceptance, not only rejections");
        if (Directory.Exists(crashes)) Directory.Delete(crashes, recursive: true);
    }

    [TestCase("pool")]
    [TestCase("plan")]
    public void Files_generated_over_the_repositorys_profiles_suites_and_pool_are_accepted(string name)
    {
        var target = FuzzTargets.For(Context.Value).Single(t => t.Name == name);
        var generated = Context.Value.Generated(name, 50, Seed);

        Assert.That(generated, Has.Count.EqualTo(50));
        Assert.That(generated.Select(g => FuzzHarness.RunOne(target, g)).Select(o => o.Rejection ?? o.CrashDetail), Is.All.Null);
        Assert.That(generated.Select(g => Convert.ToBase64String(g)), Is.Unique);
    }

    [TestCase("pool")]
    [TestCase("plan")]
    public void Without_the_checkout_a_pool_or_plan_is_refused_for_what_it_refers_to(string name)
    {
        var alone = FuzzTargets.All.Single(t => t.Name == name);
        var repo = name == "pool" ? Context.Value.RepoPools : Context.Value.RepoPlans;

        Assert.That(repo, Is.Not.Empty);
        Assert.That(repo.Select(f => FuzzHarness.RunOne(alone, f).Rejection), Is.All.Not.Null, "alone, a real file names unknown profiles or suites");
        var within = FuzzTargets.For(Context.Value).Single(t => t.Name == name);
        Assert.That(repo.Select(f => FuzzHarness.RunOne(within, f).Rejection), Is.All.Null, "beside the checkout, the repository's own files are accepted");
    }

    [Test]
    public void Every_target_ships_seeds()
    {
        Assert.That(FuzzTargets.All.Where(t => FuzzSeeds.Shipped(t.Name).Count == 0).Select(t => t.Name), Is.Empty);
        Assert.That(FuzzTargets.All.Select(t => t.Name), Is.Unique);
    }
}
