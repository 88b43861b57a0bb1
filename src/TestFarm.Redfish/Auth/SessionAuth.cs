using System.Net;
using Microsoft.Extensions.Logging;
using TestFarm.Core.Bmc;
using TestFarm.Redfish.Http;
using TestFarm.Redfish.Json;

namespace TestFarm.Redfish.Auth;

/// <summary>
/// Redfish session login: POST to the Sessions collection found through <c>Links.Sessions</c> (or the
/// SessionService), token from <c>X-Auth-Token</c>, session URI from <c>Location</c> or the body's
/// <c>@odata.id</c>; the session is deleted on logout.
/// </summary>
public sealed class SessionAuth(RedfishCredentials credentials, ILogger logger) : RedfishAuth, IDisposable
{
    public void Dispose() => _loginGate.Dispose();

    private readonly SemaphoreSlim _loginGate = new(1, 1);
    private string? _token;

    /// <summary>The URI of the current session, when logged in.</summary>
    public Uri? SessionUri { get; private set; }

    public int Logins { get; private set; }

    public override async ValueTask ApplyAsync(HttpRequestMessage request, RedfishTransport transport, CancellationToken cancellationToken)
    {
        var token = _token;
        if (token is null)
        {
            await _loginGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                token = _token ??= await LoginAsync(transport, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _loginGate.Release();
            }
        }
        request.Headers.Remove("X-Auth-Token");
        request.Headers.Add("X-Auth-Token", token);
    }

    public override bool Invalidate()
    {
        _token = null;
        return true;
    }

    private async Task<string> LoginAsync(RedfishTransport transport, CancellationToken cancellationToken)
    {
        var root = await transport.GetRootAsync(cancellationToken).ConfigureAwait(false);
        var sessions = root.Json.Link("Links", "Sessions");
        if (sessions is null && root.Json.Link("SessionService") is { } service)
        {
            var svc = await transport.GetAnonymousAsync(transport.Endpoint.Resolve(service), cancellationToken).ConfigureAwait(false);
            sessions = svc.Json.Link("Sessions");
        }
        if (sessions is null)
            throw new BmcException($"{transport.Endpoint.ServiceRoot} offers no Sessions link; use basic auth for this BMC") { Kind = BmcErrorKind.Unsupported };

        var uri = transport.Endpoint.Resolve(sessions);
        var response = await transport.CreateSessionAsync(uri, new SessionCreateRequest(credentials.User, credentials.Password), cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccess)
        {
            var error = RedfishErrors.FromResponse(HttpMethod.Post, uri, response.Status, response.Body);
            throw new BmcException($"login to {uri} as {credentials.User} ({credentials.CredentialId}) failed: {error.Message}",
                (int)response.Status, error.MessageId, response.Body, uri)
            { Kind = response.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? BmcErrorKind.Unauthorized : BmcErrorKind.Remote };
        }
        var token = response.AuthToken
            ?? throw new BmcException($"login to {uri} answered {(int)response.Status} without an X-Auth-Token header", (int)response.Status, null, response.Body, uri) { Kind = BmcErrorKind.Protocol };
        var location = response.Location ?? response.Json.Str("@odata.id");
        SessionUri = location is null ? null : transport.Endpoint.Resolve(location);
        Logins++;
        Log.SessionCreated(logger, transport.Endpoint.ServiceRoot, credentials.User, credentials.CredentialId);
        return token;
    }

    public override async ValueTask LogoutAsync(RedfishTransport transport)
    {
        var token = _token;
        var session = SessionUri;
        _token = null;
        SessionUri = null;
        if (token is null || session is null) return;
        try
        {
            var response = await transport.DeleteSessionAsync(session, token, CancellationToken.None).ConfigureAwait(false);
            if (!response.IsSuccess && response.Status != HttpStatusCode.NotFound)
                Log.SessionDeleteFailed(logger, session, response.Status.ToString());
        }
        catch (BmcException e)
        {
            Log.SessionDeleteFailed(logger, session, e.Message);
        }
    }
}
