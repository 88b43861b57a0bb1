using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace TestFarm.Server.Tests.Webhooks;

/// <summary>One entry a host wrote: its level, category, event id, message and exception.</summary>
internal sealed record LogEntry(LogLevel Level, string Category, int EventId, string Message, Exception? Exception);

/// <summary>Keeps every log entry a host writes, with its level and exception, so tests can check what was logged and how.</summary>
internal sealed class LogCapture : ILoggerProvider
{
    public ConcurrentQueue<LogEntry> Lines { get; } = new();

    public IReadOnlyList<LogEntry> Entries => [.. Lines];

    public IReadOnlyList<LogEntry> Since(int index) => [.. Lines.Skip(index)];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Lines.Enqueue(new LogEntry(logLevel, category, eventId.Id, formatter(state, exception), exception));
    }
}
