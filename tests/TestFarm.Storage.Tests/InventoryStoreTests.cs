using Dapper;
using TestFarm.Core.Bmc;
using TestFarm.Core.Hardware;
using TestFarm.Storage.Database;
using TestFarm.Storage.Sql;
using TestFarm.Testing;

namespace TestFarm.Storage.Tests;

/// <summary>Each machine's latest observed inventory (<c>machine_inventory</c>), the same on SQLite and PostgreSQL.</summary>
[TestFixture(StoreKind.Sqlite)]
[TestFixture(StoreKind.Postgres)]
public sealed class InventoryStoreTests(StoreKind kind)
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
        await _store.RegisterAsync(TestPool.Machines(x86: 2, arm: 0));
    }

    [TearDown]
    public async Task TearDown() => await _target.DisposeAsync();

    private static readonly ObservedHardware Bmc = new()
    {
        Manufacturer = "Contoso", Model = "3500", CpuModel = "Multi-Core Intel(R) Xeon(R) processor 7xxx Series", ProcessorCount = 2, CoreCount = 16, MemoryGiB = 96,
        Nics = [new ObservedNic { Id = "1", Mac = "12:44:6a:3b:04:11", SpeedMbps = 1000, Model = "X710" }],
        Drives = [new ObservedDrive { Id = "32ADF365C6C1B7BD", MediaType = "HDD", Protocol = "SAS", CapacityBytes = 899_527_000_000, Model = "C123", Serial = "1234570" }],
        Firmware = [new ObservedFirmware { Name = "BIOS", Version = "P79 v1.45" }, new ObservedFirmware { Name = "BMC BMC", Version = "1.45.455b66-rev4" }],
        Warnings = ["drives: could not read /redfish/v1/Systems/1/Storage/1/Drives/3F5A8C54207B7233: 404"],
    };

    [Test]
    public async Task The_latest_observation_is_kept_whole_and_a_newer_one_replaces_it_in_the_one_row()
    {
        Assert.That(await _store.ReadInventoryAsync("x86-000"), Is.Null, "never inspected");
        var first = new InventoryObservation { MachineId = "x86-000", At = _time.GetUtcNow(), Source = InventorySource.BmcInspection, Hardware = Bmc };
        await _store.RecordInventoryAsync(first);
        var read = await _store.ReadInventoryAsync("x86-000");
        Assert.That(read!.At, Is.EqualTo(first.At));
        Assert.That(read.Source, Is.EqualTo(InventorySource.BmcInspection));
        Assert.That(read.Hardware.CpuModel, Is.EqualTo(Bmc.CpuModel));
        Assert.That(read.Hardware.Nics, Is.EqualTo(Bmc.Nics));
        Assert.That(read.Hardware.Drives, Is.EqualTo(Bmc.Drives));
        Assert.That(read.Hardware.Firmware, Is.EqualTo(Bmc.Firmware));
        Assert.That(read.Hardware.Warnings, Is.EqualTo(Bmc.Warnings));
        Assert.That(read.Hardware with { Nics = [], Drives = [], Firmware = [], Warnings = [] }, Is.EqualTo(Bmc with { Nics = [], Drives = [], Firmware = [], Warnings = [] }));

        _time.Advance(TimeSpan.FromMinutes(30));
        var agent = new ObservedHardware { ProcessorCount = 2, CoreCount = 32, MemoryGiB = 95.9, Nics = [new ObservedNic { Id = "eth0", Mac = "12:44:6a:3b:04:11", Driver = "i40e" }] };
        await _store.RecordInventoryAsync(first with { At = _time.GetUtcNow(), Source = InventorySource.AgentReport, Hardware = agent });
        read = await _store.ReadInventoryAsync("x86-000");
        Assert.That(read!.Source, Is.EqualTo(InventorySource.AgentReport));
        Assert.That(read.At, Is.EqualTo(first.At.AddMinutes(30)));
        Assert.That(read.Hardware.CoreCount, Is.EqualTo(32));
        Assert.That(read.Hardware.Drives, Is.Empty, "replaced whole, nothing of the first kept");
        Assert.That(await _store.ReadInventoryAsync("x86-001"), Is.Null, "another machine is untouched");
        var dialect = _target.NewDialect();
        await using var c = await dialect.OpenAsync(CancellationToken.None);
        Assert.That(await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM machine_inventory"), Is.EqualTo(1));
    }

    [Test]
    public async Task An_unknown_machine_and_an_observation_beyond_the_limits_are_refused_and_the_kept_one_stays()
    {
        var kept = new InventoryObservation { MachineId = "x86-000", At = _time.GetUtcNow(), Source = InventorySource.BmcInspection, Hardware = Bmc };
        await _store.RecordInventoryAsync(kept);
        var unknown = Assert.ThrowsAsync<KeyNotFoundException>(() => _store.RecordInventoryAsync(kept with { MachineId = "nope" }));
        Assert.That(unknown!.Message, Does.Contain("no machine 'nope'"));

        var huge = Bmc with { Drives = [.. Enumerable.Range(0, InventoryLimits.MaxParts + 1).Select(i => new ObservedDrive { Id = $"d{i}" })] };
        var refused = Assert.ThrowsAsync<ArgumentException>(() => _store.RecordInventoryAsync(kept with { Hardware = huge }));
        Assert.That(refused!.Message, Does.Contain("inventory of x86-000 refused: drives: 257 items, at most 256"));
        var longSerial = Bmc with { Drives = [Bmc.Drives[0] with { Serial = new string('s', InventoryLimits.MaxString + 1) }] };
        refused = Assert.ThrowsAsync<ArgumentException>(() => _store.RecordInventoryAsync(kept with { Hardware = longSerial }));
        Assert.That(refused!.Message, Does.Contain("drives[0].serial: 257 characters"));
        Assert.That((await _store.ReadInventoryAsync("x86-000"))!.Hardware.Drives, Is.EqualTo(Bmc.Drives));
    }
}
