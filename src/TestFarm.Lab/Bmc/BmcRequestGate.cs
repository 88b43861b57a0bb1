using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace TestFarm.Lab.Bmc;

/// <summary>
/// Runs in front of every request: the address the connection came in on names the BMC (each BMC has its
/// own address, as on a rack's BMC network). On a BMC's address it applies that BMC's faults (latency,
/// hang, 5xx), then checks the session token or basic credentials; open without credentials: the service
/// root and session login, as on real BMCs. Only Redfish lives on a BMC's address, and no Redfish elsewhere.
/// </summary>
internal sealed class BmcRequestGate(Func<IPAddress, VirtualBmc?> find, LabCredentials credentials, TimeProvider time)
{
    public const string ItemKey = "testfarm.bmc";

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var segments = context.Request.Path.Value?.Split('/', StringSplitOptions.RemoveEmptyEntries) ?? [];
        var isRedfish = segments.Length > 0 && segments[0].Equals("redfish", StringComparison.OrdinalIgnoreCase);
        var local = context.Connection.LocalIpAddress;
        var bmc = local is null ? null : find(local.IsIPv4MappedToIPv6 ? local.MapToIPv4() : local);
        if (bmc is null)
        {
            if (isRedfish)
                await RedfishErrors.Error(StatusCodes.Status404NotFound, "ResourceNotFound",
                    $"No BMC answers at {local}: each lab BMC has its own address (GET /lab/machines lists them).").ExecuteAsync(context).ConfigureAwait(false);
            else
                await next(context).ConfigureAwait(false);
            return;
        }
        if (!isRedfish)
        {
            await RedfishErrors.NotFound(context).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }
        context.Items[ItemKey] = bmc;

        var faults = bmc.Faults;
        if (faults.Latency > TimeSpan.Zero)
            await Task.Delay(faults.Latency, time, context.RequestAborted).ConfigureAwait(false);
        if (faults.TimeoutRate > 0 && Random.Shared.NextDouble() < faults.TimeoutRate)
        {
            try { await Task.Delay(Timeout.InfiniteTimeSpan, time, context.RequestAborted).ConfigureAwait(false); }
            catch (OperationCanceledException) { }
            return;
        }
        if (faults.ErrorRate > 0 && Random.Shared.NextDouble() < faults.ErrorRate)
        {
            await RedfishErrors.Error(faults.EffectiveErrorStatus, "InternalError", "The request failed due to an internal service error (injected fault).")
                .ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        if (!IsOpen(context, segments) && !IsAuthorized(context, bmc))
        {
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"TestFarm lab\"";
            await RedfishErrors.Unauthorized().ExecuteAsync(context).ConfigureAwait(false);
            return;
        }
        await next(context).ConfigureAwait(false);
    }

    private static bool IsOpen(HttpContext context, string[] segments)
    {
        var rest = string.Join('/', segments);
        if (HttpMethods.IsGet(context.Request.Method) && rest is "redfish" or "redfish/v1") return true;
        return HttpMethods.IsPost(context.Request.Method) && rest == "redfish/v1/SessionService/Sessions";
    }

    private bool IsAuthorized(HttpContext context, VirtualBmc bmc)
    {
        var token = context.Request.Headers["X-Auth-Token"].ToString();
        if (token.Length > 0) return bmc.Sessions.Values.Any(s => s.Token == token);
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return false;
        try
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            var colon = pair.IndexOf(':', StringComparison.Ordinal);
            return colon > 0 && credentials.Matches(pair[..colon], pair[(colon + 1)..]);
        }
        catch (FormatException) { return false; }
    }
}

/// <summary>The one user the lab's BMCs accept. The password is compared, never logged.</summary>
public sealed record LabCredentials(string User, string Password)
{
    public bool Matches(string user, string password) =>
        string.Equals(user, User, StringComparison.Ordinal) &&
        System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(password), Encoding.UTF8.GetBytes(Password));

    public override string ToString() => $"LabCredentials {{ User = {User}, Password = *** }}";
}
