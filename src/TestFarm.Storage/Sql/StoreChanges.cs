namespace TestFarm.Storage.Sql;

/// <summary>
/// An in-process signal raised after every committed write of one store instance: a reader that would otherwise poll
/// (the dashboard's live streams) waits on <see cref="Next"/> and reads again once something changed. Writes made by other
/// farm instances on a shared database do not raise it; such readers keep a slow poll for those.
/// </summary>
public sealed class StoreChanges
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next committed write after it was read (take it before reading the state it guards).</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    private long _version;

    /// <summary>How many writes this store instance has committed: equal before and after a read means no write of this instance in between.</summary>
    public long Version => Interlocked.Read(ref _version);

    internal void Raise()
    {
        Interlocked.Increment(ref _version);
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }
}
