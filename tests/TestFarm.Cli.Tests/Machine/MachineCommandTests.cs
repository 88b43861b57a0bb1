using System.CommandLine;
using TestFarm.Cli.Commands.Machine;
using TestFarm.Core.Machines;
using TestFarm.Storage.Sql;
using TestFarm.Testing;

namespace TestFarm.Cli.Tests.Machine;

/// <summary>The machine verbs against a real SQLite store file.</summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class MachineCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new("tf-machine");
    private readonly FakeTimeProvider _time = new();

    private string Db => _dir.File("farm.db");

    public void Dispose() => _dir.Dispose();

    private async Task<SqlFarmStore> StoreWithAsync(params (string Id, MachineState State)[] machines)
    {
        var store = await SqlFarmStore.OpenSqliteAsync(Db, _time);
        await store.RegisterAsync([.. machines.Select(m => new MachineRegistration(m.Id, "small"))]);
        foreach (var (id, state) in machines.Where(m => m.State != MachineState.Available))
        {
            if (state == MachineState.Cleaning) await store.TransitionAsync(id, MachineState.Suspect, "test setup");
            await store.TransitionAsync(id, state, "test setup");
        }
        return store;
    }

    private async Task<(int Code, string Out, string Err)> RunAsync(ICliCommand command, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await command.Build().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    [Test]
    public async Task Repair_moves_a_quarantined_machine_to_cleaning_and_audits_who_and_why()
    {
        var store = await StoreWithAsync(("m1", MachineState.Quarantined), ("m2", MachineState.Available));
        _time.Advance(TimeSpan.FromMinutes(5));

        var (code, output, error) = await RunAsync(new MachineRepairCommand(_time), "m1", "--reason", "replaced the NIC", "--by", "alice", "--db", "sqlite:" + Db);

        Assert.That(code, Is.EqualTo(ExitCodes.Success), error);
        Assert.That(output, Is.EqualTo("m1: Cleaning (repair by alice: replaced the NIC)\n"));
        var machines = await store.ListMachinesAsync();
        Assert.That(machines.Single(m => m.Id == "m1").State, Is.EqualTo(MachineState.Cleaning));
        var last = (await store.ReadAsync("m1"))[^1];
        Assert.That((last.From, last.To, last.Reason), Is.EqualTo(("Quarantined", "Cleaning", "repaired by alice: replaced the NIC")));
        Assert.That(last.At, Is.EqualTo(_time.GetUtcNow()).Within(TimeSpan.FromMilliseconds(1)));
    }

    [Test]
    public async Task Repair_of_a_machine_that_is_not_quarantined_is_refused_and_changes_nothing()
    {
        var store = await StoreWithAsync(("m1", MachineState.Available), ("m2", MachineState.Suspect));
        var before = (await store.ReadAsync()).Count;

        var available = await RunAsync(new MachineRepairCommand(_time), "m1", "--reason", "x", "--db", "sqlite:" + Db);
        var suspect = await RunAsync(new MachineRepairCommand(_time), "m2", "--reason", "x", "--db", "sqlite:" + Db);
        var unknown = await RunAsync(new MachineRepairCommand(_time), "m9", "--reason", "x", "--db", "sqlite:" + Db);

        Assert.That(available, Is.EqualTo((ExitCodes.InvalidInput, "", "machine repair: machine m1 is Available, not Quarantined: repair moves a Quarantined machine to Cleaning\n")));
        Assert.That(suspect.Err, Does.Contain("machine m2 is Suspect, not Quarantined"));
        Assert.That(unknown, Is.EqualTo((ExitCodes.InvalidInput, "", "machine repair: no machine 'm9' in the store\n")));
        Assert.That((await store.ListMachinesAsync()).Select(m => m.State), Is.EqualTo(new[] { MachineState.Available, MachineState.Suspect }));
        Assert.That((await store.ReadAsync()).Count, Is.EqualTo(before), "nothing audited for a refused action");
    }

    [Test]
    public async Task A_missing_reason_or_store_is_an_error_naming_what_is_missing()
    {
        var noReason = await RunAsync(new MachineRepairCommand(_time), "m1", "--db", "sqlite:" + Db);
        Assert.That(noReason.Code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(noReason.Err, Does.Contain("--reason is required"));

        var noStore = await RunAsync(new MachineRepairCommand(_time), "m1", "--reason", "x", "--db", "sqlite:" + _dir.File("nope.db"));
        Assert.That(noStore.Code, Is.EqualTo(ExitCodes.InvalidInput));
        Assert.That(noStore.Err, Does.Contain("no farm store at " + _dir.File("nope.db")));
        Assert.That(File.Exists(_dir.File("nope.db")), Is.False, "no empty store created by a typo");

        var bare = await RunAsync(new MachineRepairCommand(_time), "m1", "--reason", "x", "--db", Db);
        Assert.That(bare.Code, Is.EqualTo(ExitCodes.InvalidInput));
        Assert.That(bare.Err, Does.Contain("--db: expected sqlite:PATH or postgres:CONNSTRING"), "the one --db form serve takes too");

        var secret = await RunAsync(new MachineRepairCommand(_time), "m1", "--reason", "x", "--db", "Host=db;Password=hunter2");
        Assert.That(secret.Code, Is.EqualTo(ExitCodes.InvalidInput));
        Assert.That(secret.Err, Does.Contain("a connection string without the postgres: prefix").And.Not.Contain("hunter2"));
    }

    [Test]
    public async Task Drain_quarantines_an_available_machine_refuses_a_held_one_and_retire_ends_it()
    {
        var store = await StoreWithAsync(("m1", MachineState.Available), ("m2", MachineState.Cleaning));

        var drained = await RunAsync(new MachineDrainCommand(_time), "m1", "--reason", "fan noise", "--by", "bob", "--db", "sqlite:" + Db);
        var cleaning = await RunAsync(new MachineDrainCommand(_time), "m2", "--reason", "x", "--db", "sqlite:" + Db);
        var retired = await RunAsync(new MachineRetireCommand(_time), "m1", "--reason", "end of life", "--by", "bob", "--db", "sqlite:" + Db);
        var retiredAgain = await RunAsync(new MachineRepairCommand(_time), "m1", "--reason", "x", "--db", "sqlite:" + Db);

        Assert.That(drained.Code, Is.EqualTo(ExitCodes.Success), drained.Err);
        Assert.That(cleaning.Err, Does.Contain("machine m2 is Cleaning: drain takes an Available or Suspect machine out of service"));
        Assert.That(retired.Out, Is.EqualTo("m1: Retired (retire by bob: end of life)\n"));
        Assert.That(retiredAgain.Err, Does.Contain("machine m1 is Retired, not Quarantined"));
        var events = (await store.ReadAsync("m1")).Select(e => $"{e.From}->{e.To}: {e.Reason}").ToList();
        Assert.That(events[^2..], Is.EqualTo(new[] { "Available->Quarantined: drained by bob: fan noise", "Quarantined->Retired: retired by bob: end of life" }));

        var (code, list, _) = await RunAsync(new MachineListCommand(_time), "--db", "sqlite:" + Db);
        Assert.That(code, Is.EqualTo(ExitCodes.Success));
        Assert.That(list, Does.Contain("m1  small    Retired").And.Contain("m2  small    Cleaning").And.EndWith("2 machine(s)\n"));
    }
}
