using Microsoft.Extensions.Logging;
using System.Runtime.ExceptionServices;
using Polly.Timeout;
using Refit;
using TestFarm.Core.Bmc;
using TestFarm.Core.Pool;
using TestFarm.Redfish.Auth;
using TestFarm.Redfish.Factory;
using TestFarm.Redfish.Json;

namespace TestFarm.Redfish.Http;

/// <summary>
/// Every call to one BMC goes through here, over the Refit <see cref="IRedfishApi"/> on the shared Redfish client
/// (<see cref="RedfishHttp"/>: retries, per-call timeout, login, gate and TLS live in its handlers). Answers become
/// <see cref="RedfishResponse"/>s; failures become typed <see cref="BmcException"/>s naming the URI.
/// </summary>
public sealed class RedfishTransport
{
    private readonly IRedfishApi _api;
    private readonly RedfishCall _authenticated;
    private readonly RedfishCall _anonymous;

    internal RedfishTransport(HttpClient http, RedfishEndpoint endpoint, RedfishAuth auth, RedfishOptions options,
        TimeProvider time, SemaphoreSlim gate, BmcTlsOptions tls, ILogger logger)
    {
        http.BaseAddress = endpoint.Origin;
        _api = RedfishHttp.Api(http);
        Endpoint = endpoint;
        Auth = auth;
        Options = options;
        Time = time;
        Gate = gate;
        Tls = tls;
        TrustKey = TlsPolicy.KeyOf(tls);
        Logger = logger;
        _authenticated = new RedfishCall(this, authenticated: true);
        _anonymous = new RedfishCall(this, authenticated: false);
    }

    public RedfishEndpoint Endpoint { get; }

    public TimeProvider Time { get; }

    public RedfishOptions Options { get; }

    internal RedfishAuth Auth { get; }

    internal SemaphoreSlim Gate { get; }

    /// <summary>How this BMC's certificate is checked; the Redfish client keeps a connection pool per distinct setting.</summary>
    internal BmcTlsOptions Tls { get; }

    /// <summary><see cref="TlsPolicy.KeyOf"/> of <see cref="Tls"/>: which connection pool this BMC's requests use.</summary>
    internal string TrustKey { get; }

    internal ILogger Logger { get; }

    /// <summary>The service root, unauthenticated (as Redfish allows); any non-2xx answer throws.</summary>
    public Task<RedfishResponse> GetRootAsync(CancellationToken cancellationToken) =>
        GetAsync(Endpoint.ServiceRoot, _anonymous, cancellationToken);

    public Task<RedfishResponse> GetAsync(string odataId, CancellationToken cancellationToken) =>
        GetAsync(Endpoint.Resolve(odataId), cancellationToken);

    /// <summary>An authenticated GET; any non-2xx answer throws.</summary>
    public Task<RedfishResponse> GetAsync(Uri uri, CancellationToken cancellationToken) =>
        GetAsync(uri, _authenticated, cancellationToken);

    internal Task<RedfishResponse> GetAnonymousAsync(Uri uri, CancellationToken cancellationToken) =>
        GetAsync(uri, _anonymous, cancellationToken);

    /// <summary>PATCH of Boot properties with an optional If-Match; 4xx answers are returned (for 412/428), 5xx throws.</summary>
    public async Task<RedfishResponse> PatchAsync(Uri uri, BootPatch body, string? ifMatch, CancellationToken cancellationToken) =>
        ThrowOn5xx(await SendAsync(HttpMethod.Patch, uri, (path, ct) => _api.PatchAsync(path, body, ifMatch, _authenticated, ct), cancellationToken).ConfigureAwait(false));

    public async Task<RedfishResponse> PostAsync(Uri target, ResetRequest body, CancellationToken cancellationToken) =>
        ThrowOnError(await SendAsync(HttpMethod.Post, target, (path, ct) => _api.ResetAsync(path, body, _authenticated, ct), cancellationToken).ConfigureAwait(false));

    public async Task<RedfishResponse> PostAsync(Uri target, InsertMediaRequest body, CancellationToken cancellationToken) =>
        ThrowOnError(await SendAsync(HttpMethod.Post, target, (path, ct) => _api.InsertMediaAsync(path, body, _authenticated, ct), cancellationToken).ConfigureAwait(false));

    public async Task<RedfishResponse> PostAsync(Uri target, EmptyRequest body, CancellationToken cancellationToken) =>
        ThrowOnError(await SendAsync(HttpMethod.Post, target, (path, ct) => _api.ActionAsync(path, body, _authenticated, ct), cancellationToken).ConfigureAwait(false));

    /// <summary>The login POST, without credentials; every answer but 5xx is returned.</summary>
    internal async Task<RedfishResponse> CreateSessionAsync(Uri sessions, SessionCreateRequest body, CancellationToken cancellationToken) =>
        ThrowOn5xx(await SendAsync(HttpMethod.Post, sessions, (path, ct) => _api.CreateSessionAsync(path, body, _anonymous, ct), cancellationToken).ConfigureAwait(false));

    internal Task<RedfishResponse> DeleteSessionAsync(Uri session, string token, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, session, (path, ct) => _api.DeleteSessionAsync(path, token, _anonymous, ct), cancellationToken);

    private async Task<RedfishResponse> GetAsync(Uri uri, RedfishCall call, CancellationToken cancellationToken) =>
        ThrowOnError(await SendAsync(HttpMethod.Get, uri, (path, ct) => _api.GetAsync(path, Query(uri), call, ct), cancellationToken).ConfigureAwait(false));

    private static RedfishResponse ThrowOnError(RedfishResponse response) =>
        response.IsSuccess ? response : throw RedfishErrors.FromResponse(response.Method, response.Uri, response.Status, response.Body);

    private static RedfishResponse ThrowOn5xx(RedfishResponse response) =>
        (int)response.Status >= 500 ? throw RedfishErrors.FromResponse(response.Method, response.Uri, response.Status, response.Body) : response;

    /// <summary>One call through the pipeline: the answer read whole, transport failures typed.</summary>
    private async Task<RedfishResponse> SendAsync(HttpMethod method, Uri uri, Func<string, CancellationToken, Task<HttpResponseMessage>> send,
        CancellationToken cancellationToken)
    {
        try
        {
            using var response = await send(PathOf(uri), cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            return new RedfishResponse
            {
                Method = method,
                Uri = uri,
                Status = response.StatusCode,
                Body = body,
                ETagHeader = response.Headers.TryGetValues("ETag", out var etag) ? etag.FirstOrDefault() : null,
                Location = response.Headers.Location?.OriginalString,
                AuthToken = response.Headers.TryGetValues("X-Auth-Token", out var token) ? token.FirstOrDefault() : null,
                RetryAfter = response.Headers.RetryAfter?.Delta,
            };
        }
        catch (ApiRequestException e) when (e.InnerException is { } inner)
        {
            // Refit wraps what the pipeline threw; what is not typed here (a failed login's BmcException, the
            // caller's cancellation) passes as it is.
            if (Typed(method, uri, inner, cancellationToken) is { } typed) throw typed;
            ExceptionDispatchInfo.Throw(inner);
            throw;
        }
        catch (Exception e) when (Typed(method, uri, e, cancellationToken) is { } typed)
        {
            throw typed;
        }
    }

    private BmcException? Typed(HttpMethod method, Uri uri, Exception e, CancellationToken cancellationToken) => e switch
    {
        TimeoutRejectedException => new BmcException($"{method} {uri} timed out after {Options.RequestTimeout}", null, null, null, uri, e) { Kind = BmcErrorKind.Timeout },
        OperationCanceledException when !cancellationToken.IsCancellationRequested =>
            new BmcException($"{method} {uri} timed out after {Options.RequestTimeout}", null, null, null, uri, e) { Kind = BmcErrorKind.Timeout },
        HttpRequestException => new BmcException($"{method} {uri} failed: {e.Message}", null, null, null, uri, e) { Kind = BmcErrorKind.Unreachable },
        _ => null,
    };

    /// <summary>
    /// The path the Refit call is made on, unescaped (Refit escapes each segment again). A link on another origin
    /// (a BMC behind NAT naming its inner address) is followed on this BMC's own address.
    /// </summary>
    private static string PathOf(Uri uri) => Uri.UnescapeDataString(uri.AbsolutePath).TrimStart('/');

    private static Dictionary<string, string>? Query(Uri uri)
    {
        if (uri.Query.Length <= 1) return null;
        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in uri.Query[1..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            query[Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq])] = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
        }
        return query;
    }
}
