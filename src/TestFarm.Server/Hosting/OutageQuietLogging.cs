using System.Collections;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using TestFarm.Storage.Database;

namespace TestFarm.Server.Hosting;

/// <summary>
/// The farm's logger factory while the database is away: an entry whose exception is a database outage
/// (<see cref="StoreOutage.Cause"/>) is written as one line, the message's first line and the outage's cause, without the
/// exception and its stack trace; and the same event of the same category is written at most once per
/// <see cref="Window"/>, the next line counting those left out. Every other entry passes unchanged. It wraps every
/// category, Quartz's job store, cluster manager and job runner included, whose retries during an outage would otherwise
/// repeat a full stack trace every second.
/// </summary>
internal sealed class OutageQuietLoggerFactory(ILoggerFactory inner, TimeProvider time) : ILoggerFactory
{
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, OutageQuietLogger> _loggers = new(StringComparer.Ordinal);

    public ILogger CreateLogger(string categoryName) => _loggers.GetOrAdd(categoryName, c => new OutageQuietLogger(inner.CreateLogger(c), c, time));

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    /// <summary>The wrapped factory belongs to the container, which disposes it.</summary>
    public void Dispose() { }
}

internal sealed class OutageQuietLogger(ILogger inner, string category, TimeProvider time) : ILogger
{
    private readonly ConcurrentDictionary<int, (DateTimeOffset Last, int Suppressed)> _recent = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (StoreOutage.Cause(exception) is not { } cause)
        {
            inner.Log(logLevel, eventId, state, exception, formatter);
            return;
        }
        if (!inner.IsEnabled(logLevel)) return;
        var now = time.GetUtcNow();
        var key = eventId.Id != 0 ? eventId.Id : StringComparer.Ordinal.GetHashCode(eventId.Name ?? category);
        var suppressed = 0;
        var write = true;
        // The delegates may run more than once under contention: each sets both outcomes.
        _recent.AddOrUpdate(key, _ => { (write, suppressed) = (true, 0); return (now, 0); }, (_, seen) =>
        {
            write = now - seen.Last >= OutageQuietLoggerFactory.Window;
            suppressed = write ? seen.Suppressed : 0;
            return write ? (now, 0) : (seen.Last, seen.Suppressed + 1);
        });
        if (!write) return;
        var first = (formatter(state, null) ?? "").ReplaceLineEndings("\n").Split('\n')[0];
        if (first.Length > 300) first = first[..300] + "…";
        var line = $"{first} [database unavailable: {StoreOutage.OneLine(cause)}]" +
                   (suppressed > 0 ? $" ({suppressed} more like this in the last {OutageQuietLoggerFactory.Window.TotalSeconds:0} s not written)" : "");
        inner.Log(logLevel, eventId, new OutageLine(line), null, static (s, _) => s.Text);
    }

    /// <summary>The state of a shortened entry: only its text, so no structured field repeats the stack trace.</summary>
    private sealed class OutageLine(string text) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public string Text => text;
        public int Count => 1;
        public KeyValuePair<string, object?> this[int index] => index == 0 ? new("{OriginalFormat}", text) : throw new ArgumentOutOfRangeException(nameof(index));
        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() { yield return this[0]; }
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
        public override string ToString() => text;
    }
}
