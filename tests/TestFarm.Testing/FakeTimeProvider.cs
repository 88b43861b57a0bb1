namespace TestFarm.Testing;

/// <summary>
/// A clock that moves only when a test says so. Timers fire in due order as <see cref="Advance"/>
/// passes their due times, so code that waits on <see cref="TimeProvider"/> runs without sleeping.
/// </summary>
public sealed class FakeTimeProvider : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<FakeTimer> _timers = [];
    private DateTimeOffset _now;
    private long _ticks;

    public FakeTimeProvider() : this(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)) { }

    public FakeTimeProvider(DateTimeOffset start) => _now = start;

    public override DateTimeOffset GetUtcNow() { lock (_gate) { return _now; } }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() { lock (_gate) { return _ticks; } }

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public void SetUtcNow(DateTimeOffset value)
    {
        TimeSpan delta;
        lock (_gate) { delta = value - _now; }
        if (delta < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(value), "time cannot go backwards");
        Advance(delta);
    }

    /// <summary>
    /// Moves time on by <paramref name="step"/> until <paramref name="task"/> ends. Continuations may hop to the thread
    /// pool, so between steps this lets all work queued so far run first (see <see cref="LetQueuedWorkRunAsync"/>),
    /// and it is bounded by real time (default 20 s), not by a count of steps. With <paramref name="fakeLimit"/> time
    /// stops there and the task is awaited as it is: for tests whose outcome must not depend on how far the clock
    /// ran ahead of the thread pool (e.g. a grace period that fake time could overrun).
    /// </summary>
    public async Task<T> DriveAsync<T>(Task<T> task, TimeSpan step, TimeSpan? realLimit = null, TimeSpan? fakeLimit = null)
    {
        var watch = global::System.Diagnostics.Stopwatch.StartNew();
        var stopAt = fakeLimit is { } limit ? GetUtcNow() + limit : DateTimeOffset.MaxValue;
        while (!task.IsCompleted && watch.Elapsed < (realLimit ?? TimeSpan.FromSeconds(20)) && GetUtcNow() + step <= stopAt)
        {
            Advance(step);
            // Let what the step woke run before time moves again (a bounded number of rounds: work that keeps
            // queueing more, e.g. a poll loop, must not stop the clock).
            for (var i = 0; i < 100 && !task.IsCompleted; i++)
            {
                await LetQueuedWorkRunAsync();
                if (ThreadPool.PendingWorkItemCount == 0) break;
            }
        }
        return await task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    /// <summary>
    /// Resumes only after the thread pool has taken up the work queued before it. <c>Task.Yield</c> is not enough: a
    /// worker takes its own newest item first, so a loop that yields can run again and again (moving fake time on by
    /// minutes) while the continuations it woke wait in the queue.
    /// </summary>
    public static Task LetQueuedWorkRunAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ThreadPool.UnsafeQueueUserWorkItem(static d => d.SetResult(), done, preferLocal: false);
        return done.Task;
    }

    /// <summary>Moves time forward, firing every timer that falls due on the way, in order.</summary>
    public void Advance(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        DateTimeOffset target;
        lock (_gate) { target = _now + delta; }
        while (true)
        {
            FakeTimer? next;
            lock (_gate)
            {
                next = _timers.Where(t => t.DueAt is { } d && d <= target).OrderBy(t => t.DueAt).FirstOrDefault();
                if (next is null)
                {
                    _ticks += (target - _now).Ticks;
                    _now = target;
                    return;
                }
                var due = next.DueAt!.Value;
                if (due > _now) { _ticks += (due - _now).Ticks; _now = due; }
                next.Rearm();
            }
            next.Fire();
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new FakeTimer(this, callback, state);
        lock (_gate) { _timers.Add(timer); }
        timer.Change(dueTime, period);
        return timer;
    }

    private sealed class FakeTimer(FakeTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private TimeSpan _period = Timeout.InfiniteTimeSpan;
        public DateTimeOffset? DueAt { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._gate)
            {
                _period = period;
                DueAt = dueTime == Timeout.InfiniteTimeSpan ? null : owner._now + dueTime;
            }
            return true;
        }

        /// <summary>Called under the owner's lock once the timer is due.</summary>
        public void Rearm() =>
            DueAt = _period == Timeout.InfiniteTimeSpan || _period == TimeSpan.Zero ? null : DueAt + _period;

        public void Fire() => callback(state);

        public void Dispose()
        {
            lock (owner._gate) { DueAt = null; owner._timers.Remove(this); }
        }

        public ValueTask DisposeAsync() { Dispose(); return ValueTask.CompletedTask; }
    }
}
