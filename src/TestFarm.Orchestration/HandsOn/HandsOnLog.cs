using Microsoft.Extensions.Logging;
using TestFarm.Core.Logging;

namespace TestFarm.Orchestration.HandsOn;

internal static partial class HandsOnLog
{
    [LoggerMessage(EventId = EventIds.Orchestration.HandsOnMoved, EventName = nameof(EventIds.Orchestration.HandsOnMoved), Level = LogLevel.Information, Message = "Reservation {Id} of {Owner} is {State}: {Why}")]
    public static partial void Moved(ILogger logger, string id, string owner, TestFarm.Core.HandsOn.HandsOnState state, string why);

    [LoggerMessage(EventId = EventIds.Orchestration.HandsOnFailed, EventName = nameof(EventIds.Orchestration.HandsOnFailed), Level = LogLevel.Warning, Message = "Reservation {Id}: {Step} failed: {Error}")]
    public static partial void Failed(ILogger logger, string id, string step, string error);

    [LoggerMessage(EventId = EventIds.Orchestration.HoldRefused, EventName = nameof(EventIds.Orchestration.HoldRefused), Level = LogLevel.Warning, Message = "Cell {CellId} not held for {Owner}: {Why}")]
    public static partial void HoldRefused(ILogger logger, string cellId, string owner, string why);
}
