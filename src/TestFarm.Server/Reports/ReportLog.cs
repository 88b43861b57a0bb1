using Microsoft.Extensions.Logging;

namespace TestFarm.Server.Reports;

internal static partial class ReportLog
{
    [LoggerMessage(EventId = 7101, EventName = "RunPathRefused", Level = LogLevel.Warning, Message = "Refused a run file request: {Field} in {Path}: {Reason}")]
    public static partial void PathRefused(ILogger logger, string field, string path, string reason);
}
