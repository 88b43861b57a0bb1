using TestFarm.Core.HandsOn;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Core.Plans;

namespace TestFarm.Orchestration.Tests.HandsOn;

[CancelAfter(60_000)]
public sealed class HandsOnReservationsTests
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(5);

    [Test]
    public async Task Asked_reservation_is_reimaged_ready_extended_released_and_its_machines_go_through_cleaning_to_available()
    {
        await using var farm = await HandsOnFarm.StartAsync(3);
        var asked = await farm.AskAsync("alice", 2);
        Assert.That(asked.State, Is.EqualTo(HandsOnState.Queued));

        var ready = await farm.UntilAsync(asked.Id, r => r.State == HandsOnState.Ready);
        Assert.That(ready.Machines, Has.Count.EqualTo(2));
        Assert.That(farm.Provisioner.Reimaged.Order(), Is.EqualTo(ready.Machines.Order()), "every machine reimaged and verified before Ready");
        Assert.That(ready.ExpiresAt, Is.EqualTo(ready.ReadyAt + TimeSpan.FromHours(1)));
        var states = (await farm.Store.ListMachinesAsync()).ToDictionary(m => m.Id, m => m.State);
        Assert.That(ready.Machines.Select(m => states[m]), Has.All.EqualTo(MachineState.InUse));
        Assert.That(await farm.HandsOn.HoldsAsync(ready.Machines[0], "alice", CancellationToken.None), Is.True);
        Assert.That(await farm.HandsOn.HoldsAsync(ready.Machines[0], "bob", CancellationToken.None), Is.False);
        var queued = (await farm.Store.GetAsync(ready.RequestId))!;
        Assert.That((queued.State, queued.Request.Priority), Is.EqualTo((RequestState.Granted, PriorityClass.Interactive)));

        var extended = await farm.HandsOn.ExtendAsync(asked.Id, "00:30:00", "alice", admin: false, CancellationToken.None);
        Assert.That(extended.Reservation!.ExpiresAt, Is.EqualTo(ready.ExpiresAt + TimeSpan.FromMinutes(30)));
        var overCap = await farm.HandsOn.ExtendAsync(asked.Id, "08:00:00", "alice", admin: false, CancellationToken.None);
        Assert.That((overCap.Status, overCap.Field), Is.EqualTo((422, "duration")));
        Assert.That(overCap.Message, Does.Contain("over the policy cap"));
        var byAdmin = await farm.HandsOn.ExtendAsync(asked.Id, "08:00:00", "root", admin: true, CancellationToken.None);
        Assert.That(byAdmin.Status, Is.EqualTo(200), byAdmin.Message);

        var released = await farm.HandsOn.ReleaseAsync(asked.Id, "alice", CancellationToken.None);
        Assert.That(released.Status, Is.EqualTo(202));
        var ended = await farm.UntilAsync(asked.Id, r => r.State == HandsOnState.Ended);
        Assert.That(ended.EndReason, Is.EqualTo("released by alice"));
        Assert.That(farm.Provisioner.Cleaned.Order(), Is.EqualTo(ready.Machines.Order()));
        states = (await farm.Store.ListMachinesAsync()).ToDictionary(m => m.Id, m => m.State);
        Assert.That(states.Values, Has.All.EqualTo(MachineState.Available));
        Assert.That(await farm.HandsOn.HoldsAsync(ready.Machines[0], "alice", CancellationToken.None), Is.False);

        foreach (var m in ready.Machines)
        {
            var moves = (await farm.Store.ReadAsync(m)).Where(e => e.Kind == "machine").Select(e => e.To).ToList();
            Assert.That(moves.TakeLast(5), Is.EqualTo(new[] { "Reserved", "Provisioning", "InUse", "Cleaning", "Available" }), m);
            var listed = (await farm.Store.ReadAsync(m)).Where(e => e.Kind == "reservation").Select(e => e.To).ToList();
            Assert.That(listed, Is.EqualTo(new[] { "Provisioning", "Ready", "Releasing", "Ended" }), $"machine {m}'s events list the reservation");
        }
        var audit = (await farm.Store.ReadAsync(asked.Id)).Select(e => (e.To, e.Reason)).ToList();
        Assert.That(audit.Select(a => a.To), Is.EqualTo(new[] { "Queued", "Provisioning", "Ready", "Ready", "Ready", "Releasing", "Ended" }));
        Assert.That(audit[0].Reason, Does.StartWith("asked by alice: 2× x86 for 01:00:00"));
        Assert.That(audit[3].Reason, Is.EqualTo("extended by 00:30:00 by alice"));
        Assert.That(audit[4].Reason, Is.EqualTo("extended by 08:00:00 by root"));
        Assert.That(audit[5].Reason, Is.EqualTo("released by alice"));
    }

    [Test]
    public async Task A_one_minute_reservation_is_taken_back_within_a_minute_of_its_end_cleaned_and_available()
    {
        await using var farm = await HandsOnFarm.StartAsync(1);
        var asked = await farm.AskAsync("alice", 1, "00:01:00");
        var ready = await farm.UntilAsync(asked.Id, r => r.State == HandsOnState.Ready);
        Assert.That(ready.Warning(farm.Time.GetUtcNow(), TimeSpan.FromMinutes(15)), Is.True, "one minute left is within the warning");

        var ended = await farm.UntilAsync(asked.Id, r => r.State == HandsOnState.Ended, Step);
        Assert.That(ended.EndReason, Does.StartWith("expired at"));
        Assert.That(ended.EndedAt!.Value - ready.ExpiresAt!.Value, Is.LessThan(TimeSpan.FromSeconds(60)).And.GreaterThanOrEqualTo(TimeSpan.Zero));
        var machine = (await farm.Store.ListMachinesAsync()).Single();
        Assert.That(machine.State, Is.EqualTo(MachineState.Available));
        var moves = (await farm.Store.ReadAsync(machine.Id)).Where(e => e.Kind == "machine").Select(e => e.To).ToList();
        Assert.That(moves.TakeLast(2), Is.EqualTo(new[] { "Cleaning", "Available" }));
        Assert.That(farm.Provisioner.Cleaned, Is.EqualTo(new[] { machine.Id }));
    }

    [Test]
    public async Task A_restart_keeps_the_reservation_and_its_deadline_and_expiry_still_takes_the_machines_back()
    {
        await using var farm = await HandsOnFarm.StartAsync(2);
        var asked = await farm.AskAsync("alice", 2, "00:10:00");
        var ready = await farm.UntilAsync(asked.Id, r => r.State == HandsOnState.Ready);

        await farm.RestartAsync();
        var after = (await farm.HandsOn.GetAsync(asked.Id, CancellationToken.None))!;
        Assert.That((after.State, after.ExpiresAt, after.LeaseId), Is.EqualTo((HandsOnState.Ready, ready.ExpiresAt, ready.LeaseId)));
        Assert.That(after.Machines, Is.EqualTo(ready.Machines));
        Assert.That(await farm.HandsOn.HoldsAsync(after.Machines[1], "alice", CancellationToken.None), Is.True);

        var ended = await farm.UntilAsync(asked.Id, r => r.State == HandsOnState.Ended, Step);
        Assert.That(ended.EndedAt!.Value - ready.ExpiresAt!.Value, Is.LessThan(TimeSpan.FromSeconds(60)));
        Assert.That((await farm.Store.ListMachinesAsync()).Select(m => m.State), Has.All.EqualTo(MachineState.Available));
        Assert.That((await farm.Store.ListLeasesAsync(activeOnly: true)), Is.Empty, "the lease survived the restart and was released at expiry");
    }

    [Test]
    public async Task A_farm_down_longer_than_the_lease_ttl_keeps_a_ready_reservation_its_lease_and_its_machines()
    {
        await using var farm = await HandsOnFarm.StartAsync(2);
        var asked = await farm.AskAsync("alice", 2, "00:30:00");
        var ready = await farm.UntilAsync(asked.Id, r => r.State == HandsOnState.Ready);
        var lease = await farm.LeaseUntilAsync(ready.LeaseId!, l => l.ExpiresAt == ready.ExpiresAt);
        Assert.That(lease.Ttl, Is.EqualTo(TimeSpan.FromMinutes(2)), "the lease TTL is far shorter than the reservation");

        var reaped = await farm.RestartAfterAsync(TimeSpan.FromMinutes(10));
        Assert.That(reaped, Is.Empty, "a Ready reservation's lease lives to the reservation's end, not the heartbeat TTL");
        var after = (await farm.HandsOn.GetAsync(asked.Id, CancellationToken.None))!;
        Assert.That((after.State, after.ExpiresAt, after.LeaseId), Is.EqualTo((HandsOnState.Ready, ready.ExpiresAt, ready.LeaseId)));
        Assert.That((await farm.Store.GetLeaseAsync(ready.LeaseId!))!.State, Is.EqualTo(LeaseState.Active));
        Assert.That((await farm.Store.ListMachinesAsync()).Select(m => (m.State, m.LeaseId)), Has.All.EqualTo((MachineState.InUse, ready.LeaseId)));
        var grab = await farm.Store.ClaimMachinesAsync("farm-b", "someone-else", [ready.Machines[0]], TimeSpan.FromMinutes(2));
        Assert.That(grab.Granted, Is.False, "no machine in two active leases");

        var extended = await farm.HandsOn.ExtendAsync(asked.Id, "01:00:00", "alice", admin: false, CancellationToken.None);
        Assert.That(extended.Status, Is.EqualTo(200), extended.Message);
        Assert.That((await farm.Store.GetLeaseAsync(ready.LeaseId!))!.ExpiresAt, Is.EqualTo(ready.ExpiresAt + TimeSpan.FromHours(1)), "extend moves the lease");

        reaped = await farm.RestartAfterAsync(TimeSpan.FromMinutes(50));
        Assert.That(reaped, Is.Empty, "still within the extended reservation");
        var ended = await farm.UntilAsync(asked.Id, r => r.State == HandsOnState.Ended, Step);
        Assert.That(ended.EndReason, Does.StartWith("expired at"));
        Assert.That(ended.EndedAt!.Value - extended.Reservation!.ExpiresAt!.Value, Is.LessThan(TimeSpan.FromSeconds(60)).And.GreaterThanOrEqualTo(TimeSpan.Zero));
        Assert.That((await farm.Store.GetLeaseAsync(ready.LeaseId!))!.State, Is.EqualTo(LeaseState.Released));
        Assert.That((await farm.Store.ListMachinesAsync()).Select(m => m.State), Has.All.EqualTo(MachineState.Available));
    }

    [Test]
    public async Task Like_cell_takes_exactly_the_cells_machines_when_they_are_free()
    {
        await using var farm = await HandsOnFarm.StartAsync(4);
        await farm.RecordFailedCellAsync("run-1", "cell-a", ["m2", "m3"]);
        var asked = await farm.AskAsync("alice", new HandsOnAsk { LikeCell = "run-1/cell-a", Reason = "look at the failure" });
        Assert.That((asked.Profile, asked.Count, asked.Build), Is.EqualTo(("x86", 2, "build-7")));
        Assert.That(asked.SameMachines, Is.Null, "not known before the grant");

        var ready = await farm.UntilAsync(asked.Id, r => r.State == HandsOnState.Ready);
        Assert.That(ready.Machines.Order(), Is.EqualTo(new[] { "m2", "m3" }), "the scheduler would take m0, m1 first without the preference");
        Assert.That(ready.SameMachines, Is.True);
        Assert.That(ready.SameMachinesReason, Is.EqualTo("the cell's machines m2, m3 were free"));
        var audit = (await farm.Store.ReadAsync(asked.Id)).Single(e => e.To == "Provisioning");
        Assert.That(audit.Reason, Does.EndWith("(the cell's own machines)"));
    }

    [Test]
    public async Task Like_cell_falls_back_to_the_same_profile_and_count_when_a_cell_machine_is_busy_or_not_healthy_and_says_which()
    {
        await using var farm = await HandsOnFarm.StartAsync(4);
        await farm.RecordFailedCellAsync("run-1", "cell-a", ["m2", "m3"]);
        var other = await farm.Store.ClaimMachinesAsync("farm-b", "someone-else", ["m3"], TimeSpan.FromHours(1));
        Assert.That(other.Granted, Is.True);
        await farm.Store.TransitionAsync("m2", MachineState.Suspect, "NIC flaps");

        var asked = await farm.AskAsync("alice", new HandsOnAsk { LikeCell = "run-1/cell-a", Reason = "look at the failure" });
        var ready = await farm.UntilAsync(asked.Id, r => r.State == HandsOnState.Ready);
        Assert.That(ready.Machines.Order(), Is.EqualTo(new[] { "m0", "m1" }));
        Assert.That(ready.SameMachines, Is.False);
        Assert.That(ready.SameMachinesReason, Is.EqualTo("m2 is not healthy (Suspect); m3 was busy (Reserved); took the same profile and count: m0, m1"));

        var resized = await farm.AskAsync("bob", new HandsOnAsk { LikeCell = "run-1/cell-a", Count = 1, Reason = "one is enough" });
        Assert.That(resized.SameMachines, Is.False);
        Assert.That(resized.SameMachinesReason, Is.EqualTo("asked 1× x86, the cell had 2× x86; took what was asked"));
    }

    [Test]
    public async Task A_failed_cell_held_for_its_author_is_seen_by_queue_etas_as_held_until_the_reservations_end()
    {
        await using var farm = await HandsOnFarm.StartAsync(2);
        var plan = new Plan
        {
            Name = "pr", Priority = PriorityClass.PullRequest, Trigger = new PlanTrigger { Kind = TriggerKind.PullRequest }, Matrix = new PlanMatrix(),
            Cluster = new ClusterSpec { Deployer = "lab", KubernetesVersion = "1.32.3" },
        };
        var cell = new MatrixCell
        {
            Id = "pr/x86/n2", Plan = "pr", Profile = "x86", Topology = new Topology { Name = "n2", Roles = [new TopologyRole { Name = "node", Count = 2 }] },
        };
        var run = farm.Cells.ForRun("run-1");
        var lease = await run.ReserveAsync(cell, plan, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
        var id = await run.HoldAsync(lease, new Orchestration.Pipeline.CellHold(cell.Id, "x86", "build-7", "alice", TimeSpan.FromHours(3), "held on failure"), CancellationToken.None);
        Assert.That(id, Is.Not.Null);
        var held = await farm.UntilAsync(id!, r => r.State == HandsOnState.Ready);
        Assert.That(held.RequestId, Is.EqualTo("run-1/" + cell.Id), "the reservation rides on the cell's request");

        var waiting = await farm.AskAsync("bob", 1);
        var status = await farm.HandsOn.QueueStatusAsync(waiting, CancellationToken.None);
        Assert.That(status!.Eta, Is.EqualTo(held.ExpiresAt), "the held cell's machines come back at the reservation's end, not after the cell's estimate");

        var extended = await farm.HandsOn.ExtendAsync(id!, "01:00:00", "alice", admin: false, CancellationToken.None);
        Assert.That(extended.Status, Is.EqualTo(200), extended.Message);
        status = await farm.HandsOn.QueueStatusAsync(waiting, CancellationToken.None);
        Assert.That(status!.Eta, Is.EqualTo(held.ExpiresAt + TimeSpan.FromHours(1)), "extending the hold moves the ETA");
    }

    [Test]
    public async Task Two_people_asking_for_the_last_machine_one_gets_it_the_other_waits_with_a_reason_then_gets_it()
    {
        await using var farm = await HandsOnFarm.StartAsync(1);
        var first = await farm.AskAsync("alice", 1);
        await farm.UntilAsync(first.Id, r => r.State == HandsOnState.Ready);
        var second = await farm.AskAsync("bob", 1);

        var waiting = (await farm.HandsOn.GetAsync(second.Id, CancellationToken.None))!;
        Assert.That(waiting.State, Is.EqualTo(HandsOnState.Queued));
        var status = await farm.HandsOn.QueueStatusAsync(waiting, CancellationToken.None);
        Assert.That(status, Is.Not.Null);
        Assert.That(status!.Position, Is.EqualTo(1));
        Assert.That(status.Blocking, Does.Contain("needs 1× node [profile=x86]").And.Contain("(0 free)"));

        await farm.HandsOn.ReleaseAsync(first.Id, "alice", CancellationToken.None);
        var got = await farm.UntilAsync(second.Id, r => r.State == HandsOnState.Ready);
        Assert.That(got.Machines, Is.EqualTo(new[] { "m0" }));
    }

    [Test]
    public async Task A_queued_reservation_released_ends_at_once_and_leaves_no_request_behind()
    {
        await using var farm = await HandsOnFarm.StartAsync(1);
        var first = await farm.AskAsync("alice", 1);
        await farm.UntilAsync(first.Id, r => r.State == HandsOnState.Ready);
        var second = await farm.AskAsync("bob", 1);

        var released = await farm.HandsOn.ReleaseAsync(second.Id, "bob", CancellationToken.None);
        Assert.That(released.Status, Is.EqualTo(202));
        var ended = await farm.UntilAsync(second.Id, r => r.State == HandsOnState.Ended);
        Assert.That((ended.EndReason, ended.Machines.Count), Is.EqualTo(("released by bob", 0)));
        Assert.That((await farm.Store.GetAsync(second.RequestId))!.State, Is.EqualTo(RequestState.Cancelled));
        var again = await farm.HandsOn.ReleaseAsync(second.Id, "bob", CancellationToken.None);
        Assert.That(again.Status, Is.EqualTo(409));
        Assert.That((await farm.HandsOn.ReleaseAsync("nope", "bob", CancellationToken.None)).Status, Is.EqualTo(404));
    }

    [Test]
    public async Task A_failed_reimage_ends_the_reservation_naming_the_machine_and_the_machine_goes_suspect()
    {
        await using var farm = await HandsOnFarm.StartAsync(2);
        farm.Provisioner.Failures["m1"] = new TestFarm.Orchestration.Pipeline.ProvisionResult { Succeeded = false, FailedPhase = "agent-callback", Error = "no callback" };
        var asked = await farm.AskAsync("alice", 2);
        var ended = await farm.UntilAsync(asked.Id, r => r.State == HandsOnState.Ended);
        Assert.That(ended.EndReason, Is.EqualTo("provisioning failed: m1: agent-callback: no callback"));
        var states = (await farm.Store.ListMachinesAsync()).ToDictionary(m => m.Id, m => m.State);
        Assert.That((states["m0"], states["m1"]), Is.EqualTo((MachineState.Available, MachineState.Suspect)));
    }
}
