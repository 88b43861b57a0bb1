using Microsoft.Extensions.Logging.Abstractions;
using TestFarm.Core.Results;
using TestFarm.Orchestration.Pipeline;
using TestFarm.Testing;

namespace TestFarm.Orchestration.Tests.Pipeline;

/// <summary>
/// <c>hold_on_failure</c> in the pipeline: a Failed cell hands its lease over instead of cleaning and releasing it; an
/// infra-error, a passed cell or a refused hold cleans and releases as always.
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class CellHoldTests
{
    private readonly FakeProvisioner _provisioner = new();

    private CellPipeline Pipeline(FakeReservations reservations) => new(reservations, _provisioner, new FakeClusters(), new ScriptedSuites(),
        new NullBmcs(), new RecordingProgress(), new FakeTimeProvider(), NullLogger<CellPipeline>.Instance);

    private static CellRequest Held(params string[] verdicts) => Sample.Request(ScriptedSuites.Suite("smoke", verdicts)) with
    {
        RunId = "run-1", Plan = Sample.Plan with { HoldOnFailure = TimeSpan.FromHours(2), HoldFor = "alice" },
    };

    [Test]
    public async Task A_failed_cell_is_handed_over_uncleaned_and_its_lease_is_not_released()
    {
        var reservations = new FakeReservations(Sample.Machine("m1"), Sample.Machine("m2")) { HoldAnswer = "r-1" };
        var result = await Pipeline(reservations).RunAsync(Held("Passed", "Failed"), CancellationToken.None);

        Assert.That(result.Verdict, Is.EqualTo(Verdict.Failed));
        Assert.That(reservations.Holds, Is.EqualTo(new[] { new CellHold("nightly/small/1cp", "small", "build-1", "alice", TimeSpan.FromHours(2),
            "held on failure of cell run-1/nightly/small/1cp (plan nightly, hold_on_failure 02:00:00)") }));
        Assert.That(_provisioner.Cleaned, Is.Empty, "held machines are not cleaned");
        Assert.That(reservations.ReleasedSuspect, Is.Null, "the lease is not released");
        Assert.That(result.Evidence["held"], Is.EqualTo("machines held uncleaned for alice as reservation r-1 for 02:00:00"));
        Assert.That(result.Phases.Select(p => p.Phase), Does.Not.Contain("clean").And.Not.Contain("release"));
    }

    [TestCase("InfraError", TestName = "An infra-error cell is never held")]
    [TestCase("Passed", TestName = "A passed cell is never held")]
    public async Task Not_held(string verdict)
    {
        var reservations = new FakeReservations(Sample.Machine("m1")) { HoldAnswer = "r-1" };
        var result = await Pipeline(reservations).RunAsync(Held(verdict), CancellationToken.None);

        Assert.That(result.Verdict, Is.EqualTo(Enum.Parse<Verdict>(verdict)));
        Assert.That(reservations.Holds, Is.Empty);
        Assert.That(_provisioner.Cleaned, Is.EqualTo(new[] { "m1" }));
        Assert.That(reservations.ReleasedSuspect, Is.Not.Null);
    }

    [Test]
    public async Task A_refused_hold_cleans_and_releases_as_usual()
    {
        var reservations = new FakeReservations(Sample.Machine("m1")) { HoldAnswer = null };
        var result = await Pipeline(reservations).RunAsync(Held("Failed"), CancellationToken.None);

        Assert.That(reservations.Holds, Has.Count.EqualTo(1));
        Assert.That(_provisioner.Cleaned, Is.EqualTo(new[] { "m1" }));
        Assert.That(reservations.ReleasedSuspect, Is.Not.Null);
        Assert.That(result.Evidence.ContainsKey("held"), Is.False);
    }

    [Test]
    public async Task A_failed_cell_of_a_plan_without_hold_is_not_offered()
    {
        var reservations = new FakeReservations(Sample.Machine("m1")) { HoldAnswer = "r-1" };
        await Pipeline(reservations).RunAsync(Sample.Request(ScriptedSuites.Suite("smoke", "Failed")), CancellationToken.None);
        Assert.That((reservations.Holds.Count, _provisioner.Cleaned.Count), Is.EqualTo((0, 1)));
    }
}
