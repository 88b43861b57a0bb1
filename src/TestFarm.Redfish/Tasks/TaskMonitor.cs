using System.Net;
using Microsoft.Extensions.Logging;
using TestFarm.Core.Bmc;
using TestFarm.Redfish.Http;
using TestFarm.Redfish.Json;

namespace TestFarm.Redfish.Tasks;

/// <summary>
/// Follows a 202 Accepted to its end: the task monitor from the <c>Location</c> header or the body
/// (<c>TaskMonitor</c> or <c>@odata.id</c>), polled on the <see cref="TimeProvider"/> until it stops
/// answering 202 and its Task (Dell <c>JID_</c> jobs included) is no longer running, within a deadline.
/// </summary>
public static class TaskMonitor
{
    private static readonly HashSet<string> Running = new(StringComparer.OrdinalIgnoreCase)
    { "New", "Starting", "Running", "Pending", "Suspended", "Stopping", "Interrupted", "Service", "Scheduled", "Scheduling", "Waiting" };

    private static readonly HashSet<string> Failed = new(StringComparer.OrdinalIgnoreCase)
    { "Exception", "Killed", "Cancelled", "Failed", "CompletedWithErrors" };

    public static async Task<RedfishResponse> CompleteAsync(RedfishTransport transport, RedfishResponse response, ILogger logger, CancellationToken cancellationToken)
    {
        if (response.Status != HttpStatusCode.Accepted) return response;
        var monitor = response.Location ?? response.Json.Str("TaskMonitor") ?? response.Json.Str("@odata.id");
        if (monitor is null) return response; // Accepted with nothing to follow: the BMC gives no way to wait.
        var uri = transport.Endpoint.Resolve(monitor);
        Log.TaskFollow(logger, uri);
        var time = transport.Time;
        var deadline = time.GetUtcNow() + transport.Options.TaskDeadline;
        while (true)
        {
            var poll = await transport.GetAsync(uri, cancellationToken).ConfigureAwait(false);
            var state = poll.Json.Str("TaskState") ?? poll.Json.Str("Oem", "Dell", "JobState");
            var dellState = poll.Json.Str("Oem", "Dell", "JobState");
            if (poll.Status != HttpStatusCode.Accepted)
            {
                if ((state is not null && Failed.Contains(state)) || (dellState is not null && Failed.Contains(dellState)))
                {
                    var messages = string.Join("; ", poll.Json.Objects("Messages").Select(m => m.Str("Message")).OfType<string>());
                    throw new BmcException($"task {uri} ended {state ?? dellState}: {messages}", (int)poll.Status,
                        poll.Json.Objects("Messages").Select(m => m.Str("MessageId")).FirstOrDefault(), poll.Body, uri);
                }
                if (state is null || !Running.Contains(state)) return poll;
            }
            var now = time.GetUtcNow();
            if (now >= deadline)
                throw new BmcException($"task {uri} still {state ?? "running"} after {transport.Options.TaskDeadline}", (int)poll.Status, null, poll.Body, uri)
                { Kind = BmcErrorKind.Timeout };
            var wait = poll.RetryAfter is { } ra && ra > TimeSpan.Zero ? ra : transport.Options.PollInterval;
            await Delay.UntilAsync(time, Min(wait, deadline - now), cancellationToken).ConfigureAwait(false);
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}

/// <summary>Waiting on a <see cref="TimeProvider"/> so tests advance a fake clock instead of sleeping.</summary>
public static class Delay
{
    public static Task UntilAsync(TimeProvider time, TimeSpan delay, CancellationToken cancellationToken) =>
        delay <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(delay, time, cancellationToken);
}
