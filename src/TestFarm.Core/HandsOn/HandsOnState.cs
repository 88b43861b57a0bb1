using TestFarm.Core.Machines;

namespace TestFarm.Core.HandsOn;

/// <summary>
/// Life of a person's hands-on reservation: Queued (waiting for machines in the farm's queue) → Provisioning (reimaged and
/// verified) → Ready (the person's) → Releasing (cleaned, lease ended) → Ended. Queued and Provisioning may end early
/// (released before Ready, or provisioning failed), always through Releasing once machines are held.
/// </summary>
public enum HandsOnState { Queued, Provisioning, Ready, Releasing, Ended }

/// <summary>The legal moves between <see cref="HandsOnState"/>s. Pure.</summary>
public static class HandsOnTransitions
{
    private static readonly Dictionary<HandsOnState, HandsOnState[]> Allowed = new()
    {
        [HandsOnState.Queued] = [HandsOnState.Provisioning, HandsOnState.Ready, HandsOnState.Ended],
        [HandsOnState.Provisioning] = [HandsOnState.Ready, HandsOnState.Releasing],
        [HandsOnState.Ready] = [HandsOnState.Releasing],
        [HandsOnState.Releasing] = [HandsOnState.Ended],
        [HandsOnState.Ended] = [],
    };

    public static bool IsAllowed(HandsOnState from, HandsOnState to) => Allowed[from].Contains(to);

    public static bool IsOpen(HandsOnState state) => state != HandsOnState.Ended;

    public static void Ensure(string id, HandsOnState from, HandsOnState to)
    {
        if (!IsAllowed(from, to)) throw new IllegalTransitionException($"reservation {id}", from.ToString(), to.ToString());
    }
}
