using TestFarm.Core.Logging;
using Microsoft.Extensions.Logging;

namespace TestFarm.Server.Reports;

internal static partial class ReportLog
{
    [LoggerMessage(EventId = EventIds.Server.RunPathRefused, EventName = nameof(EventIds.Server.RunPathRefused), Level = LogLevel.Warning, Message = "Refused a run file request: {Field} in {Path}: {Reason}")]
    public static partial void PathRefused(ILogger logger, string field, string path, string reason);
}
