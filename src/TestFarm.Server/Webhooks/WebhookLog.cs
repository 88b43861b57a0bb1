using Microsoft.Extensions.Logging;

namespace TestFarm.Server.Webhooks;

internal static partial class WebhookLog
{
    [LoggerMessage(EventId = 9101, EventName = "WebhookRejected", Level = LogLevel.Warning,
        Message = "GitHub webhook delivery {Delivery} rejected: {Reason}")]
    public static partial void Rejected(ILogger logger, string delivery, string reason);

    [LoggerMessage(EventId = 9102, EventName = "WebhookHandled", Level = LogLevel.Information,
        Message = "GitHub webhook {Event}.{Action} delivery {Delivery}: {Actions}")]
    public static partial void Handled(ILogger logger, string @event, string? action, string delivery, string actions);

    [LoggerMessage(EventId = 9103, EventName = "WebhookDuplicate", Level = LogLevel.Information,
        Message = "GitHub webhook delivery {Delivery} already handled")]
    public static partial void Duplicate(ILogger logger, string delivery);

    [LoggerMessage(EventId = 9104, EventName = "WebhookFailed", Level = LogLevel.Error,
        Message = "GitHub webhook {Event} delivery {Delivery} failed")]
    public static partial void Failed(ILogger logger, string @event, string delivery, Exception exception);
}
