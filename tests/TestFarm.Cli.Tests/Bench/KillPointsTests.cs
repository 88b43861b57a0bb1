using System.Text.Json.Nodes;
using TestFarm.Cli.Commands.Bench.Crash;

namespace TestFarm.Cli.Tests.Bench;

/// <summary>
/// The crash bench's kill points follow the run: the phases of a clean run (from the API's run document), each as likely
/// as the others whatever its length, and a uniform second inside the chosen one.
/// </summary>
public sealed class KillPointsTests
{
    private static readonly JsonNode CleanRun = JsonNode.Parse("""
        {"id":"r","started":"2026-12-07T23:41:25.000+00:00","cells":[{"phases":[
          {"phase":"reserve","state":"Succeeded","start":"2026-12-07T23:41:25.200+00:00","durationSeconds":0.5},
          {"phase":"reimage","state":"Succeeded","start":"2026-12-07T23:41:25.700+00:00","durationSeconds":5.3},
          {"phase":"reimage/post","state":"Succeeded","start":"2026-12-07T23:41:26.000+00:00","durationSeconds":2.0},
          {"phase":"verify","state":"Succeeded","start":"2026-12-07T23:41:31.000+00:00","durationSeconds":0.02},
          {"phase":"suites","state":"Succeeded","start":"2026-12-07T23:41:31.020+00:00","durationSeconds":30.0},
          {"phase":"clean","state":"Running","start":"2026-12-07T23:42:01.020+00:00","durationSeconds":null}]}]}
        """)!;

    [Test]
    public void The_phases_of_a_clean_run_are_read_relative_to_its_start_and_a_blink_is_left_out()
    {
        var phases = KillPoints.FromRun(CleanRun, end: 40);

        Assert.That(phases.Select(p => p.Phase), Is.EqualTo(new[] { "reserve", "reimage", "suites", "clean" }), "a reimage's steps are inside it; verify took 0.02 s: no kill can aim at it");
        Assert.That(phases[0].From, Is.EqualTo(0.2).Within(1e-9));
        Assert.That(phases[0].To, Is.EqualTo(0.7).Within(1e-9));
        Assert.That(phases[2].To, Is.EqualTo(36.02).Within(1e-9));
        Assert.That(phases[3].To, Is.EqualTo(40), "a phase still running ends when the run was seen ended");
    }

    [Test]
    public void Each_phase_is_aimed_at_equally_often_and_every_kill_falls_inside_the_phase_it_aims_at()
    {
        var phases = KillPoints.FromRun(CleanRun, end: 40);
        var random = new Random(5);

        var kills = Enumerable.Range(0, 4000).Select(_ => KillPoints.Draw(random, phases)).ToList();

        foreach (var phase in phases)
        {
            var aimed = kills.Where(k => k.AimedAt == phase.Phase).ToList();
            Assert.That(aimed.Count, Is.InRange(850, 1150), $"{phase.Phase}: about a quarter of the kills");
            Assert.That(aimed.All(k => k.After.TotalSeconds >= phase.From && k.After.TotalSeconds <= phase.To), Is.True, $"{phase.Phase} {phase.From}-{phase.To}");
        }
        var reserve = kills.Where(k => k.AimedAt == "reserve").Select(k => k.After.TotalSeconds).ToList();
        Assert.That(reserve.Min(), Is.LessThan(0.3));
        Assert.That(reserve.Max(), Is.GreaterThan(0.6), "spread over the whole phase");
    }

    [Test]
    public void The_same_seed_draws_the_same_kills_and_a_window_draws_inside_it()
    {
        var phases = KillPoints.FromRun(CleanRun, end: 40);
        Assert.That(Enumerable.Range(0, 5).Select(_ => KillPoints.Draw(new Random(9), phases)).Distinct().Count(), Is.EqualTo(1));
        var random = new Random(3);
        Assert.That(Enumerable.Range(0, 200).Select(_ => KillPoints.InWindow(random, 20).After.TotalSeconds), Is.All.InRange(0, 20));
    }
}
