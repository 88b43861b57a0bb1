using TestFarm.Core.Machines;
using TestFarm.Core.Results;
using TestFarm.Core.Runs;

namespace TestFarm.Core.Tests.Runs;

public sealed class RunStateTests
{
    private static readonly (RunState From, RunState To)[] Legal =
    [
        (RunState.Queued, RunState.Running), (RunState.Queued, RunState.Cancelled),
        (RunState.Running, RunState.Passed), (RunState.Running, RunState.Failed),
        (RunState.Running, RunState.InfraError), (RunState.Running, RunState.Cancelled),
    ];

    private static IEnumerable<(RunState, RunState)> AllPairs() =>
        from f in Enum.GetValues<RunState>() from t in Enum.GetValues<RunState>() select (f, t);

    [Test]
    public void Exactly_the_legal_moves_are_allowed_and_every_other_one_throws_naming_the_run()
    {
        foreach (var (from, to) in AllPairs())
        {
            var legal = Legal.Contains((from, to));
            Assert.That(RunTransitions.IsAllowed(from, to), Is.EqualTo(legal), $"{from} -> {to}");
            if (legal)
            {
                Assert.DoesNotThrow(() => RunTransitions.Ensure("r1", from, to), $"{from} -> {to}");
                continue;
            }
            var ex = Assert.Throws<IllegalTransitionException>(() => RunTransitions.Ensure("r1", from, to))!;
            Assert.That(ex.Message, Is.EqualTo($"run r1: illegal transition {from} -> {to}"));
        }
    }

    [Test]
    public void The_four_ends_never_move_again_and_queued_and_running_are_not_ends()
    {
        Assert.That(Enum.GetValues<RunState>().Where(RunTransitions.IsEnded),
            Is.EqualTo(new[] { RunState.Passed, RunState.Failed, RunState.InfraError, RunState.Cancelled }));
        Assert.That(RunTransitions.From(RunState.Cancelled), Is.Empty);
    }

    [TestCase(new[] { Verdict.Passed, Verdict.Passed }, RunState.Passed)]
    [TestCase(new[] { Verdict.Passed, Verdict.Flaky, Verdict.Skipped }, RunState.Passed)]
    [TestCase(new[] { Verdict.Passed, Verdict.Failed }, RunState.Failed)]
    [TestCase(new[] { Verdict.Failed, Verdict.InfraError }, RunState.InfraError)]
    [TestCase(new[] { Verdict.InfraError, Verdict.Passed }, RunState.InfraError)]
    [TestCase(new Verdict[0], RunState.InfraError)]
    public void A_runs_verdict_comes_from_its_cells_infra_errors_first(Verdict[] cells, RunState expected) =>
        Assert.That(RunTransitions.Verdict(cells), Is.EqualTo(expected));
}
