using TestFarm.Core.Logging;
using Microsoft.Extensions.Logging;

namespace TestFarm.GitHub;

internal static partial class Log
{
    [LoggerMessage(EventId = EventIds.GitHub.GitHubRetry, EventName = nameof(EventIds.GitHub.GitHubRetry), Level = LogLevel.Warning,
        Message = "GitHub {Request} answered {Status}; retry {Attempt} in {Delay}")]
    public static partial void Retry(ILogger logger, string request, string status, int attempt, TimeSpan delay);

    [LoggerMessage(EventId = EventIds.GitHub.GitHubTokenRenewed, EventName = nameof(EventIds.GitHub.GitHubTokenRenewed), Level = LogLevel.Information,
        Message = "GitHub App {AppId} installation {InstallationId} token renewed, expires {ExpiresAt}")]
    public static partial void TokenRenewed(ILogger logger, long appId, long installationId, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = EventIds.GitHub.GitHubReportQueued, EventName = nameof(EventIds.GitHub.GitHubReportQueued), Level = LogLevel.Warning,
        Message = "GitHub report '{Report}' failed ({Error}); queued for retry, attempt {Attempts}")]
    public static partial void ReportQueued(ILogger logger, string report, string error, int attempts);

    [LoggerMessage(EventId = EventIds.GitHub.GitHubReportDelivered, EventName = nameof(EventIds.GitHub.GitHubReportDelivered), Level = LogLevel.Information,
        Message = "GitHub report '{Report}' delivered after {Attempts} attempts")]
    public static partial void ReportDelivered(ILogger logger, string report, int attempts);

    [LoggerMessage(EventId = EventIds.GitHub.GitHubOutboxFlushFailed, EventName = nameof(EventIds.GitHub.GitHubOutboxFlushFailed), Level = LogLevel.Error,
        Message = "GitHub outbox flush failed")]
    public static partial void OutboxFlushFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = EventIds.GitHub.GitHubRefused, EventName = nameof(EventIds.GitHub.GitHubRefused), Level = LogLevel.Error,
        Message = "GitHub refused {Request}: HTTP {Status}: {Message}; not retried")]
    public static partial void Refused(ILogger logger, string request, int status, string message);

    [LoggerMessage(EventId = EventIds.GitHub.GitHubReportFailed, EventName = nameof(EventIds.GitHub.GitHubReportFailed), Level = LogLevel.Error,
        Message = "GitHub report '{Report}' failed for good after {Attempts} attempts: {Error}")]
    public static partial void ReportFailed(ILogger logger, string report, string error, int attempts);
}
