using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace TestFarm.Lab.Bmc;

/// <summary>The write side of the virtual BMCs: reset, virtual media, sessions, firmware update.</summary>
internal static class ActionEndpoints
{
    /// <summary>How long a SimpleUpdate task runs, on the lab's clock.</summary>
    public static readonly TimeSpan FirmwareUpdateDuration = TimeSpan.FromSeconds(30);

    public static void MapActions(this RouteGroupBuilder g, TimeProvider time)
    {
        g.MapPatch("/Systems/1", (Delegate)SystemPatch.HandleAsync);
        g.MapPost("/Systems/1/Actions/ComputerSystem.Reset", (Delegate)ResetAsync);
        g.MapPost("/Managers/BMC/VirtualMedia/Cd/Actions/VirtualMedia.InsertMedia", (Delegate)InsertMediaAsync);
        g.MapPost("/Managers/BMC/VirtualMedia/Cd/Actions/VirtualMedia.EjectMedia", (Delegate)(async (HttpContext c) =>
        {
            var (_, error) = await JsonBody.ReadObjectAsync(c, allowEmpty: true).ConfigureAwait(false);
            if (error is not null) return error;
            c.Bmc().EjectMedia();
            return Results.NoContent();
        }));
        g.MapPost("/SessionService/Sessions", LoginAsync);
        g.MapDelete("/SessionService/Sessions/{id}", (HttpContext c, string id) =>
            c.Bmc().Sessions.TryRemove(id, out _) ? Results.NoContent() : RedfishErrors.NotFound(c));
        g.MapPost("/UpdateService/Actions/UpdateService.SimpleUpdate", (Delegate)(async (HttpContext c) =>
        {
            var (body, error) = await JsonBody.ReadObjectAsync(c).ConfigureAwait(false);
            if (error is not null) return error;
            var image = JsonBody.String(body!, "ImageURI", out var wrong);
            if (image is null || wrong || !Uri.TryCreate(image, UriKind.Absolute, out _))
                return Missing("ImageURI", wrong);
            var task = c.Bmc().StartTask("Firmware update from " + image, time.GetUtcNow(), FirmwareUpdateDuration);
            var monitor = $"{VirtualBmc.RootPath}/TaskService/TaskMonitors/{task.Id}";
            return new RedfishResult(RedfishResources.Task(c.Bmc(), task, time.GetUtcNow()), StatusCodes.Status202Accepted, location: monitor);
        }));
    }

    private static async Task<IResult> ResetAsync(HttpContext c)
    {
        var (body, error) = await JsonBody.ReadObjectAsync(c).ConfigureAwait(false);
        if (error is not null) return error;
        var type = JsonBody.String(body!, "ResetType", out var wrong);
        if (type is null && !wrong) return Missing("ResetType", false);
        if (type is null || !VirtualBmc.ResetTypes.Contains(type))
        {
            var shown = body!["ResetType"]?.ToJsonString() ?? "null";
            return RedfishErrors.Error(StatusCodes.Status400BadRequest, "ActionParameterValueNotInList",
                $"The value {shown} for the parameter ResetType in the action ComputerSystem.Reset is not in the list of acceptable values.",
                RedfishErrors.Message("ActionParameterValueNotInList",
                    $"The value {shown} for the parameter ResetType is not in the list of acceptable values: {string.Join(", ", VirtualBmc.ResetTypes)}.",
                    "Warning", shown, "ResetType", "ComputerSystem.Reset"));
        }
        await c.Bmc().ResetAsync(type, c.RequestAborted).ConfigureAwait(false);
        return Results.NoContent();
    }

    private static async Task<IResult> InsertMediaAsync(HttpContext c)
    {
        var (body, error) = await JsonBody.ReadObjectAsync(c).ConfigureAwait(false);
        if (error is not null) return error;
        var image = JsonBody.String(body!, "Image", out var wrong);
        if (image is null) return Missing("Image", wrong);
        if (!Uri.TryCreate(image, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or "file"))
            return RedfishErrors.Error(StatusCodes.Status400BadRequest, "PropertyValueFormatError",
                $"The value '{image}' for the property Image is not an http, https or file URI.",
                RedfishErrors.Message("PropertyValueFormatError", $"The value '{image}' for the property Image is of a different format than the property can accept.", "Warning", image, "Image"));
        if (c.Bmc().MediaImage is not null)
            return RedfishErrors.Error(StatusCodes.Status409Conflict, "ResourceInUse", "Virtual media is already inserted; eject it first.");
        c.Bmc().InsertMedia(uri);
        return Results.NoContent();
    }

    private static async Task<IResult> LoginAsync(HttpContext c, LabCredentials credentials)
    {
        var (body, error) = await JsonBody.ReadObjectAsync(c).ConfigureAwait(false);
        if (error is not null) return error;
        var user = JsonBody.String(body!, "UserName", out var wrongUser);
        var password = JsonBody.String(body!, "Password", out var wrongPassword);
        if (user is null) return Missing("UserName", wrongUser);
        if (password is null) return Missing("Password", wrongPassword);
        if (!credentials.Matches(user, password))
            return RedfishErrors.Error(StatusCodes.Status401Unauthorized, "ResourceAtUriUnauthorized",
                "While accessing the resource at SessionService/Sessions, the service received an authorization error: invalid credentials.");
        var bmc = c.Bmc();
        if (bmc.Faults.SessionLimit is { } limit && bmc.Sessions.Count >= limit)
            return RedfishErrors.Error(StatusCodes.Status503ServiceUnavailable, "SessionLimitExceeded",
                $"The session establishment failed due to the number of simultaneous sessions exceeding the limit of {limit}.");
        var session = new LabSession(Convert.ToHexString(RandomNumberGenerator.GetBytes(8)), Convert.ToHexString(RandomNumberGenerator.GetBytes(24)), user);
        bmc.Sessions[session.Id] = session;
        c.Response.Headers["X-Auth-Token"] = session.Token;
        var location = $"{VirtualBmc.RootPath}/SessionService/Sessions/{session.Id}";
        return new RedfishResult(RedfishResources.Session(bmc, session), StatusCodes.Status201Created, location: location);
    }

    private static IResult Missing(string name, bool wrongType) => wrongType
        ? RedfishErrors.Error(StatusCodes.Status400BadRequest, "PropertyValueTypeError", $"The value for the property {name} is of a different type than the property can accept.",
            RedfishErrors.Message("PropertyValueTypeError", $"The value for the property {name} is of a different type than the property can accept.", "Warning", name))
        : RedfishErrors.Error(StatusCodes.Status400BadRequest, "ActionParameterMissing", $"The action requires the parameter {name} to be present in the request body.",
            RedfishErrors.Message("ActionParameterMissing", $"The action requires the parameter {name} to be present in the request body.", "Critical", name));

    public static JsonObject SuccessBody() => new() { ["@Message.ExtendedInfo"] = new JsonArray(RedfishErrors.Message("Success", "The request completed successfully.", "OK")) };
}
