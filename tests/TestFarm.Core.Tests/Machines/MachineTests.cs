using TestFarm.Core.Machines;

namespace TestFarm.Core.Tests.Machines;

public sealed class MachineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Test]
    public void The_happy_path_goes_round_and_every_move_is_an_event_with_its_reason()
    {
        var m = new Machine("m1", "x86", "l2a");
        var events = new[]
        {
            m.MoveTo(MachineState.Reserved, "claimed", T0, "lease-1"),
            m.MoveTo(MachineState.Provisioning, "reimage", T0),
            m.MoveTo(MachineState.InUse, "booted", T0),
            m.MoveTo(MachineState.Cleaning, "released", T0),
            m.MoveTo(MachineState.Available, "wiped", T0),
        };
        Assert.That(events.Select(e => e.To), Is.EqualTo(new[] { MachineState.Reserved, MachineState.Provisioning, MachineState.InUse, MachineState.Cleaning, MachineState.Available }));
        Assert.That(events[1].LeaseId, Is.EqualTo("lease-1"));
        Assert.That(m.LeaseId, Is.Null);
    }

    [TestCase(MachineState.Available, MachineState.InUse)]
    [TestCase(MachineState.Available, MachineState.Cleaning)]
    [TestCase(MachineState.InUse, MachineState.Available)]
    [TestCase(MachineState.Cleaning, MachineState.Reserved)]
    [TestCase(MachineState.Suspect, MachineState.Available)]
    [TestCase(MachineState.Quarantined, MachineState.Available)]
    [TestCase(MachineState.Retired, MachineState.Cleaning)]
    public void Illegal_moves_throw_and_leave_the_state_alone(MachineState from, MachineState to)
    {
        var m = new Machine("m1", "x86", "l2a", from, MachineTransitions.IsHeld(from) ? "lease-1" : null);
        var e = Assert.Throws<IllegalTransitionException>(() => m.MoveTo(to, "try", T0, "lease-2"));
        Assert.That(e!.Message, Does.Contain($"{from} -> {to}"));
        Assert.That(m.State, Is.EqualTo(from));
    }

    [Test]
    public void A_fault_in_any_held_phase_makes_the_machine_suspect_and_it_leaves_the_lease()
    {
        foreach (var phase in new[] { MachineState.Reserved, MachineState.Provisioning, MachineState.InUse, MachineState.Cleaning })
        {
            var m = new Machine("m1", "x86", "l2a", phase, "lease-1");
            m.MoveTo(MachineState.Suspect, "bmc timeout", T0);
            Assert.That((m.State, m.LeaseId), Is.EqualTo((MachineState.Suspect, (string?)null)));
        }
    }

    [Test]
    public void Suspect_goes_to_cleaning_or_quarantine_and_quarantine_to_cleaning_or_retired()
    {
        Assert.That(MachineTransitions.From(MachineState.Suspect), Is.EquivalentTo(new[] { MachineState.Cleaning, MachineState.Quarantined }));
        Assert.That(MachineTransitions.From(MachineState.Quarantined), Is.EquivalentTo(new[] { MachineState.Cleaning, MachineState.Retired }));
        Assert.That(MachineTransitions.From(MachineState.Retired), Is.Empty);
    }

    [Test]
    public void Reserving_needs_a_lease_and_a_reason()
    {
        var m = new Machine("m1", "x86", "l2a");
        Assert.Throws<ArgumentException>(() => m.MoveTo(MachineState.Reserved, "claimed", T0));
        Assert.Throws<ArgumentException>(() => m.MoveTo(MachineState.Suspect, " ", T0));
        Assert.That(m.State, Is.EqualTo(MachineState.Available));
    }
}
