using TestFarm.Core.Logging;
using Microsoft.Extensions.Logging;

namespace TestFarm.Scenarios;

internal static partial class Log
{
    [LoggerMessage(EventId = EventIds.Scenarios.SuiteStarted, EventName = nameof(EventIds.Scenarios.SuiteStarted), Level = LogLevel.Information, Message = "Suite {Suite} started on cell {CellId} ({Steps} steps)")]
    public static partial void SuiteStarted(ILogger logger, string suite, string cellId, int steps);

    [LoggerMessage(EventId = EventIds.Scenarios.StepFinished, EventName = nameof(EventIds.Scenarios.StepFinished), Level = LogLevel.Information, Message = "Step {Step} ({Kind}) of {Suite} finished: {Tests} results, {Failed} not passed")]
    public static partial void StepFinished(ILogger logger, string suite, string step, string kind, int tests, int failed);

    [LoggerMessage(EventId = EventIds.Scenarios.StepCrashed, EventName = nameof(EventIds.Scenarios.StepCrashed), Level = LogLevel.Error, Message = "Step {Step} ({Kind}) of {Suite} failed in the farm")]
    public static partial void StepCrashed(ILogger logger, Exception exception, string suite, string step, string kind);

    [LoggerMessage(EventId = EventIds.Scenarios.ChaosAction, EventName = nameof(EventIds.Scenarios.ChaosAction), Level = LogLevel.Information, Message = "Chaos {Step}: {Action} on {Target}")]
    public static partial void ChaosActionTaken(ILogger logger, string step, string action, string target);

    [LoggerMessage(EventId = EventIds.Scenarios.ChaosRefused, EventName = nameof(EventIds.Scenarios.ChaosRefused), Level = LogLevel.Warning, Message = "Chaos {Step} refused: {Reason}")]
    public static partial void ChaosRefused(ILogger logger, string step, string reason);

    [LoggerMessage(EventId = EventIds.Scenarios.ProbeRecovered, EventName = nameof(EventIds.Scenarios.ProbeRecovered), Level = LogLevel.Information, Message = "Probe {Probe} recovered after {Seconds:0.###}s (limit {LimitSeconds:0.###}s)")]
    public static partial void ProbeRecovered(ILogger logger, string probe, double seconds, double limitSeconds);

    [LoggerMessage(EventId = EventIds.Scenarios.UnknownStepKind, EventName = nameof(EventIds.Scenarios.UnknownStepKind), Level = LogLevel.Error, Message = "Step {Step} of {Suite} has unknown kind {Kind}")]
    public static partial void UnknownStepKind(ILogger logger, string suite, string step, string kind);

    [LoggerMessage(EventId = EventIds.Scenarios.SampleAbandoned, EventName = nameof(EventIds.Scenarios.SampleAbandoned), Level = LogLevel.Warning,
        Message = "Chaos {Step}: a probe round did not end within {Seconds:0.#}s; left behind so the hold ends on time")]
    public static partial void SampleAbandoned(ILogger logger, string step, double seconds);
}
