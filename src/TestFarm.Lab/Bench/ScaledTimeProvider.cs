namespace TestFarm.Lab.Bench;

/// <summary>
/// The system clock run <see cref="Scale"/> times faster: timers fire after due/scale of real time and elapsed
/// time reads scale times longer, so minutes of simulated POST pass in seconds. For benches only.
/// </summary>
public sealed class ScaledTimeProvider : TimeProvider
{
    private readonly long _start = System.GetTimestamp();
    private readonly DateTimeOffset _origin = System.GetUtcNow();

    public ScaledTimeProvider(double scale)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        Scale = scale;
    }

    public double Scale { get; }

    public override long TimestampFrequency => System.TimestampFrequency;

    public override long GetTimestamp() => _start + (long)((System.GetTimestamp() - _start) * Scale);

    public override DateTimeOffset GetUtcNow() => _origin + System.GetElapsedTime(_start) * Scale;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        new Scaled(System.CreateTimer(callback, state, Shrink(dueTime), Shrink(period)), this);

    private TimeSpan Shrink(TimeSpan t) => t == Timeout.InfiniteTimeSpan || t <= TimeSpan.Zero ? t : t / Scale;

    private sealed class Scaled(ITimer inner, ScaledTimeProvider clock) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(clock.Shrink(dueTime), clock.Shrink(period));
        public void Dispose() => inner.Dispose();
        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
