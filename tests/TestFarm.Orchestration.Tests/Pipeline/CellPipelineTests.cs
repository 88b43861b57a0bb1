using Microsoft.Extensions.Logging.Abstractions;
using TestFarm.Core.Results;
using TestFarm.Orchestration.Pipeline;
using TestFarm.Testing;

namespace TestFarm.Orchestration.Tests.Pipeline;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class CellPipelineTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly FakeProvisioner _provisioner = new();
    private readonly FakeClusters _clusters = new();
    private readonly RecordingProgress _progress = new();

    /// <summary>
    /// Moves fake time on in steps well below the pipeline's 30 s abandon grace, so a stopped step's continuation
    /// (a thread-pool hop) always runs before the grace has passed in fake time.
    /// </summary>
    private Task<CellResult> Drive(Task<CellResult> run) => _time.DriveAsync(run, TimeSpan.FromMilliseconds(100));

    private CellPipeline Pipeline(FakeReservations reservations) => new(reservations, _provisioner, _clusters, new ScriptedSuites(),
        new NullBmcs(), _progress, _time, NullLogger<CellPipeline>.Instance);

    [Test]
    public async Task A_healthy_cell_runs_every_phase_in_order_and_passes()
    {
        var reservations = new FakeReservations(Sample.Machine("m1", "control-plane"), Sample.Machine("m2"));
        var result = await Pipeline(reservations).RunAsync(Sample.Request(ScriptedSuites.Suite("smoke", "Passed", "Passed")), CancellationToken.None);

        Assert.That(result.Verdict, Is.EqualTo(Verdict.Passed));
        Assert.That(result.Tests, Has.Count.EqualTo(2));
        Assert.That(result.Phases.Where(p => !p.Phase.Contains('/')).Select(p => p.Phase), Is.EqualTo(PipelinePhases.All));
        Assert.That(_provisioner.Cleaned.Order(), Is.EqualTo(new[] { "m1", "m2" }));
        Assert.That(reservations.ReleasedSuspect, Is.Empty);
        Assert.That(reservations.Marks, Is.EqualTo(new[] { "m1 Provisioning", "m2 Provisioning", "m1 InUse", "m2 InUse" }));
        Assert.That(reservations.PhasesRecorded, Is.EqualTo(new[] { "reimage", "deploy", "addons", "suites", "clean", "release" }),
            "every phase under the lease is in the audit log, so a reaped lease names its phase");
        Assert.That(result.Evidence["kubernetes"], Is.EqualTo("v1.32.4"));
        Assert.That(result.Evidence["metallb"], Is.EqualTo("v0.15.3"));
        Assert.That(result.Evidence["image.m1"], Is.EqualTo("sha256:abc"));
        Assert.That(result.Recoveries["smoke/vip"], Is.EqualTo(TimeSpan.FromSeconds(3)));
    }

    [Test]
    public async Task A_product_failure_fails_the_cell_but_a_quarantined_one_does_not()
    {
        var reservations = new FakeReservations(Sample.Machine("m1"));
        var result = await Pipeline(reservations).RunAsync(Sample.Request(ScriptedSuites.Suite("smoke", "Passed", "Failed")), CancellationToken.None);
        Assert.That(result.Verdict, Is.EqualTo(Verdict.Failed));
        Assert.That(VerdictAggregation.ForCell([result.Tests[0], result.Tests[1] with { Quarantined = true }]), Is.EqualTo(Verdict.Passed));
    }

    [Test]
    public async Task A_reservation_that_fails_is_an_infra_error_of_the_reserve_phase_and_touches_no_machine()
    {
        var reservations = new FakeReservations(Sample.Machine("m1")) { ReserveError = new InvalidOperationException("database gone") };
        var result = await Pipeline(reservations).RunAsync(Sample.Request(), CancellationToken.None);
        Assert.That(result.Verdict, Is.EqualTo(Verdict.InfraError));
        Assert.That(result.Tests.Single().Phase, Is.EqualTo("reserve"));
        Assert.That(result.Tests.Single().Message, Is.EqualTo("database gone"));
        Assert.That(_provisioner.Reimaged, Is.Empty);
        Assert.That(reservations.ReleasedSuspect, Is.Null);
    }

    [Test]
    public async Task A_machine_that_fails_to_boot_is_replaced_by_a_spare_and_handed_back_as_suspect()
    {
        var reservations = new FakeReservations(Sample.Machine("m1", "control-plane"), Sample.Machine("m2"));
        reservations.Spares.Add(Sample.Machine("spare1", "spare"));
        _provisioner.Failures["m2"] = new ProvisionResult { Succeeded = false, FailedPhase = "agent-callback", Error = "no callback in 120s" };

        var result = await Pipeline(reservations).RunAsync(Sample.Request(ScriptedSuites.Suite("smoke", "Passed")), CancellationToken.None);

        Assert.That(result.Verdict, Is.EqualTo(Verdict.Passed));
        Assert.That(result.Machines.Order(), Is.EqualTo(new[] { "m1", "spare1" }));
        Assert.That(reservations.ReleasedSuspect!["m2"], Is.EqualTo("agent-callback: no callback in 120s"));
        Assert.That(_provisioner.Cleaned.Order(), Is.EqualTo(new[] { "m1", "spare1" }), "the suspect machine is left to its health check");
        Assert.That(reservations.Marks, Is.EqualTo(new[] { "m1 Provisioning", "m2 Provisioning", "spare1 Provisioning", "m1 InUse", "spare1 InUse" }));
    }

    [Test]
    public async Task Without_a_spare_the_cell_is_an_infra_error_and_every_machine_is_still_released()
    {
        var reservations = new FakeReservations(Sample.Machine("m1"), Sample.Machine("m2"));
        _provisioner.Failures["m1"] = new ProvisionResult
        {
            Succeeded = false, FailedPhase = "verify", Error = "hardware drift",
            Drift = [new Core.Bmc.DriftItem("nics", "2 ports", "1 ports")],
        };
        var result = await Pipeline(reservations).RunAsync(Sample.Request(ScriptedSuites.Suite("smoke", "Passed")), CancellationToken.None);

        Assert.That(result.Verdict, Is.EqualTo(Verdict.InfraError));
        Assert.That(result.Tests.Single().Phase, Is.EqualTo("reimage"));
        Assert.That(result.Drift, Is.EqualTo(new[] { "m1: nics: expected 2 ports, observed 1 ports" }));
        Assert.That(reservations.ReleasedSuspect!.Keys, Is.EqualTo(new[] { "m1" }));
        Assert.That(_provisioner.Cleaned, Is.EqualTo(new[] { "m2" }));
        Assert.That(_progress.Events, Does.Contain("end release ok"));
    }

    [Test]
    public async Task A_deploy_past_its_deadline_is_blamed_on_deploy_while_the_lease_keeps_beating()
    {
        var reservations = new FakeReservations(Sample.Machine("m1"));
        _clusters.HoldDeploy = new TaskCompletionSource();
        var run = Pipeline(reservations).RunAsync(Sample.Request(ScriptedSuites.Suite("smoke", "Passed")), CancellationToken.None);
        var beatsBefore = reservations.Heartbeats;

        var result = await Drive(run);

        Assert.That(result.Verdict, Is.EqualTo(Verdict.InfraError));
        Assert.That(result.Tests.Single().Phase, Is.EqualTo("deploy"));
        Assert.That(result.Tests.Single().Message, Does.Contain("did not finish within 00:10:00"));
        Assert.That(reservations.Heartbeats - beatsBefore, Is.GreaterThanOrEqualTo(25), "about one beat every 20 s for 10 min");
        Assert.That(_provisioner.Cleaned, Is.EqualTo(new[] { "m1" }));
    }

    [Test]
    public async Task A_suite_that_cannot_run_is_an_infra_error_of_the_suite_not_a_product_failure()
    {
        var reservations = new FakeReservations(Sample.Machine("m1"));
        var result = await Pipeline(reservations).RunAsync(
            Sample.Request(ScriptedSuites.Suite("conformance", "throw"), ScriptedSuites.Suite("smoke", "Passed")), CancellationToken.None);
        Assert.That(result.Verdict, Is.EqualTo(Verdict.InfraError));
        Assert.That(result.Tests.Select(t => (t.Suite, t.Verdict)), Is.EqualTo(new[]
        {
            ("conformance", Verdict.InfraError), ("smoke", Verdict.Passed),
        }));
        Assert.That(result.Tests[0].Message, Is.EqualTo("sonobuoy unreachable"));
    }

    [Test]
    public async Task A_suite_deaf_to_its_deadline_is_abandoned_and_the_cell_still_cleans_and_releases()
    {
        var reservations = new FakeReservations(Sample.Machine("m1"));
        var sample = Sample.Request(ScriptedSuites.Suite("chaos", "hang"));
        var deadline = TimeSpan.FromMinutes(5);
        var request = sample with { Plan = sample.Plan with { Timeouts = new Dictionary<string, TimeSpan> { [PipelinePhases.Suites] = deadline } } };
        var result = await Drive(Pipeline(reservations).RunAsync(request, CancellationToken.None));

        Assert.That(result.Verdict, Is.EqualTo(Verdict.InfraError));
        var suites = result.Phases.Single(p => p.Phase == PipelinePhases.Suites);
        Assert.That(suites.Error, Does.Contain("abandoned"));
        // Not before the deadline plus the grace (how far past it fake time ran depends on thread scheduling).
        Assert.That(suites.Duration, Is.GreaterThanOrEqualTo(deadline + TimeSpan.FromSeconds(30)));
        Assert.That(_provisioner.Cleaned, Is.EqualTo(new[] { "m1" }));
        Assert.That(reservations.ReleasedSuspect, Is.Not.Null, "released");
    }

    [Test]
    public async Task Suites_stopped_at_the_deadline_keep_their_results_and_the_phase_is_blamed()
    {
        var reservations = new FakeReservations(Sample.Machine("m1"));
        var sample = Sample.Request(ScriptedSuites.Suite("api", "slow"), ScriptedSuites.Suite("chaos", "Passed"));
        var request = sample with { Plan = sample.Plan with { Timeouts = new Dictionary<string, TimeSpan> { [PipelinePhases.Suites] = TimeSpan.FromMinutes(5) } } };
        // The clock stops 10 s past the deadline, inside the 30 s grace after which work is abandoned (abandonment has
        // its own test): the stopped suites must then wind down however late the thread pool runs them.
        var result = await _time.DriveAsync(Pipeline(reservations).RunAsync(request, CancellationToken.None), TimeSpan.FromMilliseconds(100),
            fakeLimit: TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(10));

        Assert.That(result.Tests.Select(t => (t.TestId, t.Verdict)), Is.SupersetOf(new[]
        {
            ("api/first", Verdict.Passed), ("api/slow", Verdict.InfraError), ("chaos/setup", Verdict.InfraError),
        }));
        var suites = result.Phases.Single(p => p.Phase == PipelinePhases.Suites);
        Assert.That(suites.Succeeded, Is.False);
        Assert.That(suites.Error, Does.Contain("did not finish within 00:05:00"));
        Assert.That(suites.Duration, Is.GreaterThanOrEqualTo(TimeSpan.FromMinutes(5)));
        Assert.That(_provisioner.Cleaned, Is.EqualTo(new[] { "m1" }));
    }

    [Test]
    public async Task Every_phase_is_a_span_tagged_with_its_cell_and_failures_carry_an_error_status()
    {
        var spans = new System.Collections.Concurrent.ConcurrentQueue<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = s => s.Name == FarmTelemetry.SourceName,
            Sample = (ref _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        var reservations = new FakeReservations(Sample.Machine("m1"));
        var request = Sample.Request(ScriptedSuites.Suite("conformance", "throw"));

        await Pipeline(reservations).RunAsync(request, CancellationToken.None);

        var mine = spans.Where(a => (string?)a.GetTagItem(FarmTelemetry.Tags.CellId) == request.Cell.Id).ToList();
        Assert.That(mine.Where(a => a.OperationName.StartsWith("phase ", StringComparison.Ordinal)).Select(a => a.GetTagItem(FarmTelemetry.Tags.Phase)),
            Is.SupersetOf(PipelinePhases.All));
        var cell = mine.Single(a => a.OperationName == "cell");
        Assert.That(cell.GetTagItem(FarmTelemetry.Tags.Machines), Is.EqualTo("m1"));
        Assert.That(cell.GetTagItem(FarmTelemetry.Tags.Verdict), Is.EqualTo("InfraError"));
        Assert.That(mine.Where(a => a.OperationName.StartsWith("phase ", StringComparison.Ordinal)).All(p => p.Parent == cell), Is.True, "phases nest under the cell");
    }
}
