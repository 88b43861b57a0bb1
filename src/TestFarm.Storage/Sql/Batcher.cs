namespace TestFarm.Storage.Sql;

/// <summary>
/// Runs concurrent calls of one kind together: the calls that arrive while a batch is running wait and go as the
/// next batch, in one statement (one round trip, one transaction), like a database's group commit. A lone call runs
/// on its own path, so an idle store behaves exactly as without batching. Two calls with the same key never share a
/// batch (a later one waits for the next). When the database refused a batch without applying it, each call runs
/// alone, so every caller gets its own answer or error.
/// </summary>
internal sealed class Batcher<TItem, TResult>
{
    private readonly Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> _runBatch;
    private readonly Func<TItem, CancellationToken, Task<TResult>> _runOne;
    private readonly Func<TItem, string> _key;
    private readonly Func<Exception, bool> _refusedWithoutEffect;
    private readonly int _maxBatch;
    private readonly Lock _gate = new();
    private List<Entry> _queue = [];
    private bool _draining;

    private sealed record Entry(TItem Item, TaskCompletionSource<TResult> Done, CancellationToken Ct);

    /// <param name="runBatch">Runs several items in one statement; returns one result per item, in order.</param>
    /// <param name="runOne">Runs one item on its own.</param>
    /// <param name="key">Items with equal keys are never in one batch.</param>
    /// <param name="refusedWithoutEffect">True when a batch's exception means nothing of it was applied (then each item is run alone).</param>
    /// <param name="maxBatch">Largest batch.</param>
    public Batcher(Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> runBatch, Func<TItem, CancellationToken, Task<TResult>> runOne,
        Func<TItem, string> key, Func<Exception, bool> refusedWithoutEffect, int maxBatch = 64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _runBatch = runBatch;
        _runOne = runOne;
        _key = key;
        _refusedWithoutEffect = refusedWithoutEffect;
        _maxBatch = maxBatch;
    }

    private long _batches, _items;

    /// <summary>Batches run so far and the items they carried (for benchmarks and tests).</summary>
    public (long Batches, long Items) Counts => (Interlocked.Read(ref _batches), Interlocked.Read(ref _items));

    /// <summary>Test hook: awaited before each batch (or lone call) runs, so a test can let calls pile up.</summary>
    internal Func<Task>? Gate { get; set; }

    /// <summary>
    /// Queues the call. A call cancelled while it waits is not run; once its batch has started it completes with the
    /// batch (its effect is committed or not at all, never left in between).
    /// </summary>
    public Task<TResult> RunAsync(TItem item, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var entry = new Entry(item, new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously), ct);
        bool start;
        lock (_gate)
        {
            _queue.Add(entry);
            start = !_draining;
            _draining = true;
        }
        if (start) _ = Task.Run(DrainAsync, CancellationToken.None);
        return entry.Done.Task;
    }

    private async Task DrainAsync()
    {
        while (true)
        {
            List<Entry> batch;
            lock (_gate)
            {
                batch = TakeBatch();
                if (batch.Count == 0 && _queue.Count == 0)
                {
                    _draining = false;
                    return;
                }
            }
            if (batch.Count > 0) await RunAsync(batch).ConfigureAwait(false);
        }
    }

    /// <summary>Takes the oldest waiting items with distinct keys, up to the batch size; drops cancelled ones.</summary>
    private List<Entry> TakeBatch()
    {
        var batch = new List<Entry>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var rest = new List<Entry>();
        foreach (var e in _queue)
        {
            if (e.Ct.IsCancellationRequested) e.Done.TrySetCanceled(e.Ct);
            else if (batch.Count < _maxBatch && keys.Add(_key(e.Item))) batch.Add(e);
            else rest.Add(e);
        }
        _queue = rest;
        return batch;
    }

    private async Task RunAsync(List<Entry> batch)
    {
        if (Gate is { } gate) await gate().ConfigureAwait(false);
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _items, batch.Count);
        if (batch.Count == 1)
        {
            await RunAloneAsync(batch[0]).ConfigureAwait(false);
            return;
        }
        IReadOnlyList<TResult> results;
        try
        {
            results = await _runBatch([.. batch.Select(e => e.Item)]).ConfigureAwait(false);
            if (results.Count != batch.Count) throw new InvalidOperationException($"a batch of {batch.Count} returned {results.Count} results");
        }
        catch (Exception e) when (_refusedWithoutEffect(e))
        {
            foreach (var entry in batch) await RunAloneAsync(entry).ConfigureAwait(false);
            return;
        }
        catch (Exception e)
        {
            foreach (var entry in batch) entry.Done.TrySetException(e);
            return;
        }
        for (var i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(results[i]);
    }

    private async Task RunAloneAsync(Entry entry)
    {
        try
        {
            entry.Done.TrySetResult(await _runOne(entry.Item, entry.Ct).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (entry.Ct.IsCancellationRequested)
        {
            entry.Done.TrySetCanceled(entry.Ct);
        }
        catch (Exception e)
        {
            entry.Done.TrySetException(e);
        }
    }
}
