using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TestFarm.Core.GitHub;
using TestFarm.Server.Api;

namespace TestFarm.Server.Webhooks;

public static class GitHubWebhookEndpoints
{
    /// <summary>
    /// Registers the webhook handler, its options (section <c>GitHub:Webhooks</c>, then <paramref name="configure"/>)
    /// and the trust policy. Needs <see cref="IRunTrigger"/>, <see cref="IGitHubApi"/>, <see cref="IGitHubReporter"/>
    /// (e.g. <c>AddTestFarmGitHub()</c>), and the store's <see cref="IApprovalStore"/> and <see cref="IDeliveryStore"/> registered too.
    /// </summary>
    public static IServiceCollection AddGitHubWebhooks(this IServiceCollection services, Action<GitHubWebhookOptions>? configure = null)
    {
        var options = services.AddOptions<GitHubWebhookOptions>().BindConfiguration("GitHub:Webhooks")
            .Validate(o => !string.IsNullOrEmpty(o.Secret), "GitHub:Webhooks:Secret must be set, was empty")
            .Validate(o => o.MaxBodyBytes > 0, "GitHub:Webhooks:MaxBodyBytes must be positive")
            .ValidateOnStart();
        if (configure is not null) options.Configure(configure);
        services.TryAddSingleton<TrustPolicy>();
        services.TryAddSingleton<GitHubWebhookHandler>();
        return services;
    }

    /// <summary>Maps <c>POST /webhooks/github</c>: 413 too large, 401 bad signature, 202 ignored or duplicate, 200 handled.</summary>
    public static IEndpointConventionBuilder MapGitHubWebhooks(this IEndpointRouteBuilder endpoints, string pattern = "/webhooks/github") =>
        endpoints.MapPost(pattern, ReceiveAsync);

    private static async Task<IResult> ReceiveAsync(HttpContext http, GitHubWebhookHandler handler, IDeliveryStore deliveries,
        IOptions<GitHubWebhookOptions> options, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger("TestFarm.Server.Webhooks");
        var o = options.Value;
        var delivery = http.Request.Headers["X-GitHub-Delivery"].ToString();
        var eventName = http.Request.Headers["X-GitHub-Event"].ToString();
        if (http.Request.ContentLength > o.MaxBodyBytes) return Reject(http, logger, delivery, StatusCodes.Status413PayloadTooLarge, "body too large");
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = o.MaxBodyBytes + 1;
        var body = await ReadLimitedAsync(http.Request.Body, o.MaxBodyBytes, http.RequestAborted).ConfigureAwait(false);
        if (body is null) return Reject(http, logger, delivery, StatusCodes.Status413PayloadTooLarge, "body too large");
        if (!WebhookSignature.IsValid(o.Secret, body, http.Request.Headers[WebhookSignature.Header].FirstOrDefault()))
            return Reject(http, logger, delivery, StatusCodes.Status401Unauthorized, "missing or bad X-Hub-Signature-256");
        if (eventName.Length == 0) return Reject(http, logger, delivery, StatusCodes.Status400BadRequest, "no X-GitHub-Event");
        if (delivery.Length > 0 && !await deliveries.TryAddAsync(delivery, http.RequestAborted).ConfigureAwait(false))
        {
            WebhookLog.Duplicate(logger, delivery);
            return Respond(StatusCodes.Status202Accepted, new WebhookResponse(eventName, null, false, ["duplicate delivery"]));
        }
        var (payload, badField, badReason) = WebhookPayloadParser.Parse(eventName, body);
        if (payload is null)
        {
            if (delivery.Length > 0) await deliveries.ForgetAsync(delivery, CancellationToken.None).ConfigureAwait(false);
            return Reject(http, logger, delivery, StatusCodes.Status400BadRequest, badReason!, badField);
        }
        if (WebhookPayloadCheck.Check(eventName, payload) is var (field, why))
        {
            if (delivery.Length > 0) await deliveries.ForgetAsync(delivery, CancellationToken.None).ConfigureAwait(false);
            return Reject(http, logger, delivery, StatusCodes.Status400BadRequest, $"{field} {why}; nothing was started", field);
        }
        try
        {
            var done = await handler.HandleAsync(eventName, payload, http.RequestAborted).ConfigureAwait(false);
            WebhookLog.Handled(logger, eventName, payload.Action, delivery, done.Count == 0 ? "ignored" : string.Join("; ", done));
            return Respond(done.Count == 0 ? StatusCodes.Status202Accepted : StatusCodes.Status200OK,
                new WebhookResponse(eventName, payload.Action, done.Count > 0, done));
        }
        catch (Exception e)
        {
            // Let GitHub's redelivery try again.
            if (delivery.Length > 0) await deliveries.ForgetAsync(delivery, CancellationToken.None).ConfigureAwait(false);
            WebhookLog.Failed(logger, eventName, delivery, e);
            throw;
        }
    }

    private static IResult Respond(int status, WebhookResponse response) =>
        Results.Json(response, WebhookJsonContext.Default.WebhookResponse, statusCode: status);

    private static IResult Reject(HttpContext http, ILogger logger, string delivery, int status, string reason, string? field = null)
    {
        WebhookLog.Rejected(logger, delivery.Length == 0 ? "(none)" : Problems.Echo(delivery), reason);
        return Problems.Of(http, status, "Webhook delivery refused", reason, field);
    }

    /// <summary>Reads at most <paramref name="max"/> bytes; null when the body is longer.</summary>
    private static async Task<byte[]?> ReadLimitedAsync(Stream body, long max, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        try
        {
            while ((read = await body.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > max) return null;
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge) { return null; }
        return buffer.ToArray();
    }
}
