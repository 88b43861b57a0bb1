namespace TestFarm.Orchestration.Runs;

/// <summary>How many cells this instance runs at once (<see cref="RunEngineOptions.MaxParallelCells"/>); a job finding none free comes back later.</summary>
public sealed class CellSlots(RunEngineOptions options)
{
    private int _used;

    public int InUse => Volatile.Read(ref _used);

    public bool TryEnter()
    {
        while (true)
        {
            var used = Volatile.Read(ref _used);
            if (used >= options.MaxParallelCells) return false;
            if (Interlocked.CompareExchange(ref _used, used + 1, used) == used) return true;
        }
    }

    public void Exit() => Interlocked.Decrement(ref _used);
}
