using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace TestFarm.Lab.Bmc;

/// <summary>Redfish error bodies (<c>error.@Message.ExtendedInfo</c>) with Base registry message ids.</summary>
internal static class RedfishErrors
{
    public const string Registry = "Base.1.8";

    public static JsonObject Message(string id, string text, string severity = "Warning", params string[] args) => new()
    {
        ["@odata.type"] = "#Message.v1_1_1.Message",
        ["MessageId"] = $"{Registry}.{id}",
        ["Message"] = text,
        ["MessageArgs"] = RedfishResources.Strings(args),
        ["Severity"] = severity,
        ["MessageSeverity"] = severity,
        ["Resolution"] = Resolutions.GetValueOrDefault(id, "None."),
    };

    public static JsonObject Body(string id, string text, params JsonObject[] extended)
    {
        var info = extended.Length > 0 ? extended : [Message(id, text, "Critical")];
        return new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["code"] = $"{Registry}.{id}",
                ["message"] = text,
                ["@Message.ExtendedInfo"] = new JsonArray([.. info]),
            },
        };
    }

    public static IResult Error(int status, string id, string text, params JsonObject[] extended) =>
        new RedfishResult(Body(id, text, extended), status);

    public static IResult NotFound(HttpContext context) =>
        Error(StatusCodes.Status404NotFound, "ResourceNotFound", $"The resource at {context.Request.Path} was not found.");

    public static IResult Malformed(string detail) =>
        Error(StatusCodes.Status400BadRequest, "MalformedJSON", $"The request body submitted was malformed JSON: {detail}");

    public static IResult Unauthorized() =>
        Error(StatusCodes.Status401Unauthorized, "NoValidSession", "There is no valid session established with the implementation.");

    private static readonly Dictionary<string, string> Resolutions = new(StringComparer.Ordinal)
    {
        ["MalformedJSON"] = "Ensure that the request body is valid JSON and resubmit the request.",
        ["ResourceNotFound"] = "Provide a valid resource identifier and resubmit the request.",
        ["PropertyNotWritable"] = "Remove the property from the request body and resubmit the request.",
        ["PropertyUnknown"] = "Remove the unknown property from the request body and resubmit the request.",
        ["PropertyValueNotInList"] = "Choose a value from the enumeration list that the implementation can support and resubmit the request.",
        ["ActionParameterMissing"] = "Supply the action with the required parameter in the request body.",
        ["PreconditionFailed"] = "Try the operation again using the appropriate ETag.",
        ["NoValidSession"] = "Establish a session before attempting any operations.",
        ["SessionLimitExceeded"] = "Reduce the number of other sessions before trying to establish the session or increase the limit of simultaneous sessions.",
        ["OperationNotAllowed"] = "Change the method and resubmit the request.",
    };
}

/// <summary>A Redfish JSON response: the body, OData-Version, and the ETag header when given.</summary>
internal sealed class RedfishResult(JsonNode? body, int status = StatusCodes.Status200OK, string? etag = null, string? location = null) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = status;
        response.Headers["OData-Version"] = "4.0";
        if (etag is not null) response.Headers.ETag = etag;
        if (location is not null) response.Headers.Location = location;
        if (body is null) return;
        response.ContentType = "application/json; charset=utf-8";
        await response.WriteAsync(body.ToJsonString(), httpContext.RequestAborted).ConfigureAwait(false);
    }
}
