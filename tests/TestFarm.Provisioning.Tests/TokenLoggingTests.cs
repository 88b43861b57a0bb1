using Microsoft.Extensions.Logging;
using TestFarm.Core.Hardware;
using TestFarm.Provisioning.Boot;
using TestFarm.Testing;
using TestFarm.Testing.Provisioning;

namespace TestFarm.Provisioning.Tests;

public sealed class TokenLoggingTests
{
    [Test]
    public void Refused_callbacks_are_logged_by_token_id_never_by_token()
    {
        var log = new ListLogger();
        var sessions = new BootSessions(new FakeTimeProvider(), log);
        var ticket = sessions.Issue("m1", "52:54:00:aa:bb:cc", ProvisioningSamples.Image(), BootMethod.Pxe, TimeSpan.FromMinutes(5));
        var report = new AgentBootedReport { Token = ticket.Token, BuildId = "build-42", Macs = ["52:54:00:aa:bb:cc"] };

        Assert.That(sessions.AcceptBooted(report, "10.0.2.15").Check, Is.EqualTo(TokenCheck.Accepted));
        Assert.That(sessions.AcceptBooted(report, "10.0.2.15").Check, Is.EqualTo(TokenCheck.Replayed));
        Assert.That(sessions.AcceptBooted(report with { Token = "forged" }, "10.9.9.9").Check, Is.EqualTo(TokenCheck.Unknown));

        var refused = log.Entries.Where(e => e.Id.Name == "CallbackRefused").ToList();
        Assert.That(refused.Select(e => e.Level), Is.EqualTo(new[] { LogLevel.Warning, LogLevel.Warning }));
        Assert.That(refused[0].Message, Does.Contain("Replayed").And.Contain(ticket.TokenId).And.Contain("m1"));
        Assert.That(refused[1].Message, Does.Contain("Unknown").And.Contain("10.9.9.9"));
        Assert.That(log.Entries.Any(e => e.Message.Contains(ticket.Token, StringComparison.Ordinal)), Is.False, "the token itself is never logged");
    }

    private sealed class ListLogger : ILogger<BootSessions>
    {
        public List<(LogLevel Level, EventId Id, string Message)> Entries { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, eventId, formatter(state, exception)));
    }
}
