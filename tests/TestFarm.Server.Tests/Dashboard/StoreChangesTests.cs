using TestFarm.Core.Machines;
using TestFarm.Storage.Sql;
using TestFarm.Testing;

namespace TestFarm.Server.Tests.Dashboard;

/// <summary>The store's change signal that wakes the live streams: raised by each committed write, not by reads or failed writes.</summary>
public sealed class StoreChangesTests
{
    [Test]
    public async Task A_committed_write_completes_the_signal_taken_before_it_and_a_read_does_not()
    {
        var dir = Directory.CreateTempSubdirectory("tf-changes-");
        try
        {
            var store = await SqlFarmStore.OpenSqliteAsync(Path.Combine(dir.FullName, "farm.db"), new FakeTimeProvider(FakeTimeProviderExtensions.Start));
            var before = store.Changes.Next;
            await store.ListMachinesAsync();
            Assert.That(before.IsCompleted, Is.False, "a read changes nothing");
            await store.AppendAsync(new AuditEvent { At = FakeTimeProviderExtensions.Start, Kind = "phase", Subject = "run-1/cell", To = "Running", Reason = "reimage" });
            Assert.That(before.IsCompletedSuccessfully, Is.True, "the phase event woke it");
            var next = store.Changes.Next;
            Assert.That(next.IsCompleted, Is.False, "a new signal for the next write");
            Assert.That(async () => await store.TransitionAsync("no-such-machine", MachineState.Cleaning, "x"), Throws.Exception);
            Assert.That(next.IsCompleted, Is.False, "a refused write changed nothing");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
