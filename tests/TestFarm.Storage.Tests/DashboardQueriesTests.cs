using TestFarm.Core.Results;
using TestFarm.Storage.Database;
using TestFarm.Storage.Sql;
using TestFarm.Testing;

namespace TestFarm.Storage.Tests;

/// <summary>
/// The dashboard's reads (migration 12): one filtered page of runs newest first, and a test's history across runs and
/// profiles. The same on SQLite and PostgreSQL.
/// </summary>
[TestFixture(StoreKind.Sqlite)]
[TestFixture(StoreKind.Postgres)]
public sealed class DashboardQueriesTests(StoreKind kind)
{
    private StoreTarget _target = null!;
    private FakeTimeProvider _time = null!;
    private SqlFarmStore _store = null!;

    [SetUp]
    public async Task SetUp()
    {
        _target = await StoreTarget.CreateAsync(kind);
        _time = new FakeTimeProvider();
        _store = await _target.OpenStoreAsync(_time);
    }

    [TearDown]
    public async Task TearDown() => await _target.DisposeAsync();

    [Test]
    public async Task Runs_come_newest_first_a_page_at_a_time_filtered_by_plan_trigger_state_and_pull_request()
    {
        for (var i = 0; i < 7; i++)
        {
            await _store.CreateRunAsync($"run-{i}", i % 2 == 0 ? "nightly" : "pr-matrix", i % 2 == 0 ? "cron" : "pull-request",
                i % 2 == 0 ? null : $"{{\"repository\":\"o/r\",\"pullRequest\":{(i == 3 ? 12 : 120)},\"untrusted\":false}}", []);
            _time.Advance(TimeSpan.FromMinutes(1));
        }
        var all = await _store.ListRunPageAsync(new RunFilter(), 0, 3);
        Assert.That(all.Select(r => r.Id), Is.EqualTo(new[] { "run-6", "run-5", "run-4" }));
        Assert.That((await _store.ListRunPageAsync(new RunFilter(), 6, 3)).Select(r => r.Id), Is.EqualTo(new[] { "run-0" }));
        Assert.That((await _store.ListRunPageAsync(new RunFilter { Plan = "pr-matrix" }, 0, 10)).Select(r => r.Id), Is.EqualTo(new[] { "run-5", "run-3", "run-1" }));
        Assert.That((await _store.ListRunPageAsync(new RunFilter { Trigger = "cron", State = "Queued" }, 0, 10)).Count, Is.EqualTo(4));
        Assert.That((await _store.ListRunPageAsync(new RunFilter { State = "Passed" }, 0, 10)), Is.Empty);
        Assert.That((await _store.ListRunPageAsync(new RunFilter { PullRequest = 12 }, 0, 10)).Select(r => r.Id), Is.EqualTo(new[] { "run-3" }), "PR 12, not PR 120");
        var (plans, triggers) = await _store.RunFacetsAsync();
        Assert.That(plans, Is.EqualTo(new[] { "nightly", "pr-matrix" }));
        Assert.That(triggers, Is.EqualTo(new[] { "cron", "pull-request" }));
    }

    [Test]
    public async Task A_tests_history_lists_each_run_and_cell_newest_first_with_its_profile_and_verdict()
    {
        var verdicts = new[] { Verdict.Passed, Verdict.Failed, Verdict.Flaky };
        for (var i = 0; i < verdicts.Length; i++)
        {
            await _store.CreateRunAsync($"run-{i}", "nightly", "cron", null, ["c-a", "c-b"]);
            foreach (var (cell, profile) in new[] { ("c-a", "amd"), ("c-b", "arm") })
                await _store.RecordCellAsync($"run-{i}", new CellResult
                {
                    CellId = cell, Plan = "nightly", Profile = profile, Arch = profile, Topology = "t", Verdict = verdicts[i],
                    Tests = [Test("t-1", verdicts[i]), Test("t-other", Verdict.Passed)],
                });
            _time.Advance(TimeSpan.FromMinutes(1));
        }
        var history = await _store.TestHistoryAsync("t-1", 10);
        Assert.That(history.Select(e => (e.RunId, e.CellId, e.Profile, e.Verdict)), Is.EqualTo(new[]
        {
            ("run-2", "c-a", "amd", "Flaky"), ("run-2", "c-b", "arm", "Flaky"), ("run-1", "c-a", "amd", "Failed"),
            ("run-1", "c-b", "arm", "Failed"), ("run-0", "c-a", "amd", "Passed"), ("run-0", "c-b", "arm", "Passed"),
        }));
        Assert.That(history[0].Name, Is.EqualTo("test t-1"));
        Assert.That(await _store.TestHistoryAsync("t-1", 2), Has.Count.EqualTo(2));
        Assert.That(await _store.TestHistoryAsync("no-such-test", 10), Is.Empty);
    }

    private TestResult Test(string id, Verdict verdict) =>
        new() { TestId = id, Name = $"test {id}", Suite = "s", Verdict = verdict, Start = _time.GetUtcNow(), Duration = TimeSpan.FromSeconds(1) };
}
