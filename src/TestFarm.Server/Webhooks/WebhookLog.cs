using TestFarm.Core.Logging;
using Microsoft.Extensions.Logging;

namespace TestFarm.Server.Webhooks;

internal static partial class WebhookLog
{
    [LoggerMessage(EventId = EventIds.Server.WebhookRejected, EventName = nameof(EventIds.Server.WebhookRejected), Level = LogLevel.Warning,
        Message = "GitHub webhook delivery {Delivery} rejected: {Reason}")]
    public static partial void Rejected(ILogger logger, string delivery, string reason);

    [LoggerMessage(EventId = EventIds.Server.WebhookHandled, EventName = nameof(EventIds.Server.WebhookHandled), Level = LogLevel.Information,
        Message = "GitHub webhook {Event}.{Action} delivery {Delivery}: {Actions}")]
    public static partial void Handled(ILogger logger, string @event, string? action, string delivery, string actions);

    [LoggerMessage(EventId = EventIds.Server.WebhookDuplicate, EventName = nameof(EventIds.Server.WebhookDuplicate), Level = LogLevel.Information,
        Message = "GitHub webhook delivery {Delivery} already handled")]
    public static partial void Duplicate(ILogger logger, string delivery);

    [LoggerMessage(EventId = EventIds.Server.WebhookFailed, EventName = nameof(EventIds.Server.WebhookFailed), Level = LogLevel.Error,
        Message = "GitHub webhook {Event} delivery {Delivery} failed")]
    public static partial void Failed(ILogger logger, string @event, string delivery, Exception exception);
}
