using Dapper;
using TestFarm.Storage.Database;
using TestFarm.Storage.Migrations;
using TestFarm.Testing;

namespace TestFarm.Storage.Tests;

/// <summary>
/// Migration 14 drops the runs' owner and heartbeat columns (no instance owns a run: its cells are recoverable jobs);
/// a database that had them, with runs in it, keeps its runs.
/// </summary>
[TestFixture(StoreKind.Sqlite)]
[TestFixture(StoreKind.Postgres)]
public sealed class RunOwnerMigrationTests(StoreKind kind)
{
    private StoreTarget _target = null!;

    [SetUp]
    public async Task SetUp() => _target = await StoreTarget.CreateAsync(kind);

    [TearDown]
    public async Task TearDown() => await _target.DisposeAsync();

    [Test]
    public async Task The_owner_and_beat_at_columns_go_and_the_runs_stay()
    {
        var time = new FakeTimeProvider();
        await Migrator.MigrateAsync(_target.NewDialect(), time.GetUtcNow(), upTo: 12, default);
        await using (var c = await _target.NewDialect().OpenAsync(default))
        {
            await c.ExecuteAsync("INSERT INTO runs (id, plan, trigger_kind, started_at, owner, beat_at) VALUES ('r1', 'nightly', 'nightly', 1, 'serve-a', 2)");
            Assert.That(await Columns(c), Does.Contain("owner").And.Contain("beat_at"));
        }

        Assert.That(await Migrator.MigrateAsync(_target.NewDialect(), time.GetUtcNow(), default), Is.GreaterThanOrEqualTo(1), "the migrations after 12 applied");

        await using var after = await _target.NewDialect().OpenAsync(default);
        Assert.That(await Columns(after), Does.Not.Contain("owner").And.Not.Contain("beat_at"));
        Assert.That(await after.ExecuteScalarAsync<string>("SELECT plan FROM runs WHERE id = 'r1'"), Is.EqualTo("nightly"));
    }

    private async Task<IReadOnlyList<string>> Columns(System.Data.Common.DbConnection c) => kind == StoreKind.Sqlite
        ? [.. await c.QueryAsync<string>("SELECT name FROM pragma_table_info('runs')")]
        : [.. await c.QueryAsync<string>("SELECT column_name FROM information_schema.columns WHERE table_name = 'runs' AND table_schema = current_schema()")];
}
