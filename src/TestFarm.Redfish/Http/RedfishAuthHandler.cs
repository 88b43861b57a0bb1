using System.Net;

namespace TestFarm.Redfish.Http;

/// <summary>Adds the BMC's credentials (logging in first when needed) and, on a 401, logs in again once and repeats the call.</summary>
internal sealed class RedfishAuthHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (RedfishCall.Of(request) is not { Authenticated: true } call) return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var transport = call.Transport;
        await transport.Auth.ApplyAsync(request, transport, cancellationToken).ConfigureAwait(false);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized || !transport.Auth.Invalidate()) return response;
        response.Dispose();
        Log.Relogin(transport.Logger, transport.Endpoint.ServiceRoot);
        await transport.Auth.ApplyAsync(request, transport, cancellationToken).ConfigureAwait(false);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
