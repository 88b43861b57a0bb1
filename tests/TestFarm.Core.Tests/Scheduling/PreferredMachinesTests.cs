using TestFarm.Core.HandsOn;
using TestFarm.Core.Machines;
using TestFarm.Core.Scheduling;
using static TestFarm.Core.Tests.Scheduling.SchedulingPool;

namespace TestFarm.Core.Tests.Scheduling;

/// <summary>A request's preferred machines (a reservation like a cell) are taken first when free; the rest of the gang as usual.</summary>
public sealed class PreferredMachinesTests
{
    private static readonly GangChooser Chooser = new(Profiles);

    [Test]
    public void Free_preferred_machines_are_taken_before_the_others()
    {
        var pool = PoolOf("x86", 4);
        var plain = Chooser.Choose(Req("r", "x86", 2), pool)!;
        Assert.That(plain.MachineIds, Is.EqualTo(new[] { "x86-l2a-00", "x86-l2a-01" }), "without a preference: in the order given");
        var liked = Chooser.Choose(Req("r", "x86", 2) with { PreferredMachines = ["x86-l2a-03", "x86-l2a-02"] }, pool)!;
        Assert.That(liked.MachineIds.Order(), Is.EqualTo(new[] { "x86-l2a-02", "x86-l2a-03" }));
        Assert.That(Chooser.AnyMachinesOfProfileFit(Req("r", "x86", 2) with { PreferredMachines = ["x86-l2a-03"] }), Is.False,
            "a store may not pick the machines itself when some are preferred");
    }

    [Test]
    public void A_preferred_machine_not_among_the_candidates_is_replaced_by_another_of_the_profile()
    {
        var pool = PoolOf("x86", 4).Where(m => m.Id != "x86-l2a-03").ToList();
        var choice = Chooser.Choose(Req("r", "x86", 2) with { PreferredMachines = ["x86-l2a-02", "x86-l2a-03"] }, pool)!;
        Assert.That(choice.MachineIds.Order(), Is.EqualTo(new[] { "x86-l2a-00", "x86-l2a-02" }));
    }

    [Test]
    public void Same_machines_says_which_cell_machine_was_busy_or_not_healthy()
    {
        var states = new Dictionary<string, MachineState> { ["a"] = MachineState.InUse, ["b"] = MachineState.Quarantined };
        Assert.That(SameMachines.Of(["a", "b"], ["b", "a"], _ => MachineState.Reserved), Is.EqualTo((true, "the cell's machines a, b were free")));
        Assert.That(SameMachines.Of(["a", "b", "gone"], ["c", "d", "e"], m => states.TryGetValue(m, out var s) ? s : null),
            Is.EqualTo((false, "a was busy (InUse); b is not healthy (Quarantined); gone is gone from the pool; took the same profile and count: c, d, e")));
    }

    [Test]
    public void No_preference_when_the_ask_differs_from_the_cell_or_the_cell_left_no_machines()
    {
        var cell = new CellLikeness("x86", 2, "b-1", ["a", "b"]);
        Assert.That(SameMachines.Preference(cell, "x86", 2, _ => true), Is.EqualTo(((IReadOnlyList<string>?)cell.Machines, (string?)null)));
        Assert.That(SameMachines.Preference(cell, "x86", 3, _ => true).Reason, Is.EqualTo("asked 3× x86, the cell had 2× x86; took what was asked"));
        Assert.That(SameMachines.Preference(cell, "x86", 2, m => m != "b").Reason, Does.StartWith("the cell's machine(s) b are not in this farm's pool"));
        Assert.That(SameMachines.Preference(cell with { Machines = [] }, "x86", 2, _ => true).Reason, Does.StartWith("the cell recorded no machines"));
    }
}
