using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using TestFarm.Core.Bmc;
using TestFarm.Redfish.Auth;

namespace TestFarm.Redfish.Http;

/// <summary>
/// Every HTTP call to one BMC goes through here: bounded concurrency, a timeout per call, Polly
/// retries with backoff on 5xx and timeouts only, authentication with one re-login on 401, and typed
/// <see cref="BmcException"/> errors naming the URI.
/// </summary>
public sealed class RedfishTransport
{
    private readonly HttpClient _http;
    private readonly RedfishAuth _auth;
    private readonly RedfishOptions _options;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _retry;
    private readonly ResiliencePipeline _retryAction;

    public RedfishTransport(HttpClient http, RedfishEndpoint endpoint, RedfishAuth auth, RedfishOptions options,
        TimeProvider time, SemaphoreSlim gate, ILogger logger)
    {
        _http = http;
        Endpoint = endpoint;
        _auth = auth;
        _options = options;
        _time = time;
        _gate = gate;
        _logger = logger;
        _retry = BuildRetry(IsTransient);
        _retryAction = BuildRetry(IsSafeToRepeatAction);
    }

    private ResiliencePipeline BuildRetry(Func<BmcException, bool> transient)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = _time };
        if (_options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = _options.MaxRetries,
                Delay = _options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                ShouldHandle = new PredicateBuilder().Handle(transient),
                OnRetry = args =>
                {
                    Log.Retry(_logger, Endpoint.ServiceRoot, args.AttemptNumber + 1, args.Outcome.Exception);
                    return default;
                },
            });
        }
        return builder.Build();
    }

    public RedfishEndpoint Endpoint { get; }

    public TimeProvider Time => _time;

    public RedfishOptions Options => _options;

    /// <summary>5xx (503 session limit included), timeouts and unreachable BMCs; never other 4xx.</summary>
    public static bool IsTransient(BmcException e) =>
        e.Kind is BmcErrorKind.Timeout or BmcErrorKind.Unreachable || e.HttpStatus is >= 500;

    /// <summary>
    /// For POST (actions such as a reset): only answers that say the action was not taken (503 busy or
    /// session limit) or a BMC that was never reached; a timeout or another 5xx may have acted already.
    /// </summary>
    public static bool IsSafeToRepeatAction(BmcException e) =>
        e.Kind is BmcErrorKind.Unreachable || e.HttpStatus is 503;

    public Task<RedfishResponse> GetRootAsync(CancellationToken cancellationToken) =>
        SendUnauthenticatedAsync(HttpMethod.Get, Endpoint.ServiceRoot, null, cancellationToken);

    public Task<RedfishResponse> GetAsync(string odataId, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, Endpoint.Resolve(odataId), null, null, cancellationToken);

    /// <summary>An authenticated call with retries; a non-2xx answer throws <see cref="BmcException"/>.</summary>
    public async Task<RedfishResponse> SendAsync(HttpMethod method, Uri uri, string? jsonBody, string? ifMatch, CancellationToken cancellationToken)
    {
        var response = await SendAllowingErrorsAsync(method, uri, jsonBody, ifMatch, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccess) throw RedfishErrors.FromResponse(method, uri, response.Status, response.Body);
        return response;
    }

    /// <summary>Like <see cref="SendAsync"/> but returns 4xx answers (for 412/428 handling); 5xx still retries and throws.</summary>
    public Task<RedfishResponse> SendAllowingErrorsAsync(HttpMethod method, Uri uri, string? jsonBody, string? ifMatch, CancellationToken cancellationToken) =>
        (method == HttpMethod.Post ? _retryAction : _retry).ExecuteAsync(async ct =>
        {
            var response = await SendWithAuthAsync(method, uri, jsonBody, ifMatch, ct).ConfigureAwait(false);
            if ((int)response.Status >= 500) throw RedfishErrors.FromResponse(method, uri, response.Status, response.Body);
            return response;
        }, cancellationToken).AsTask();

    public async Task<RedfishResponse> SendUnauthenticatedAsync(HttpMethod method, Uri uri, string? jsonBody, CancellationToken cancellationToken)
    {
        return await _retry.ExecuteAsync(async ct =>
        {
            using var request = Build(method, uri, jsonBody, null);
            var response = await SendRawAsync(request, ct).ConfigureAwait(false);
            if ((int)response.Status >= 500) throw RedfishErrors.FromResponse(method, uri, response.Status, response.Body);
            if (method == HttpMethod.Get && !response.IsSuccess) throw RedfishErrors.FromResponse(method, uri, response.Status, response.Body);
            return response;
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<RedfishResponse> SendWithAuthAsync(HttpMethod method, Uri uri, string? jsonBody, string? ifMatch, CancellationToken cancellationToken)
    {
        using (var request = Build(method, uri, jsonBody, ifMatch))
        {
            await _auth.ApplyAsync(request, this, cancellationToken).ConfigureAwait(false);
            var response = await SendRawAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.Status != HttpStatusCode.Unauthorized || !_auth.Invalidate()) return response;
        }
        Log.Relogin(_logger, Endpoint.ServiceRoot);
        using var again = Build(method, uri, jsonBody, ifMatch);
        await _auth.ApplyAsync(again, this, cancellationToken).ConfigureAwait(false);
        return await SendRawAsync(again, cancellationToken).ConfigureAwait(false);
    }

    private static HttpRequestMessage Build(HttpMethod method, Uri uri, string? jsonBody, string? ifMatch)
    {
        var request = new HttpRequestMessage(method, uri);
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Add("OData-Version", "4.0");
        if (jsonBody is not null) request.Content = new StringContent(jsonBody, Encoding.UTF8, "application/json");
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return request;
    }

    /// <summary>One HTTP exchange: waits for a concurrency slot, applies the per-call timeout, reads the whole body.</summary>
    public async Task<RedfishResponse> SendRawAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri!;
        using var timeout = new CancellationTokenSource(_options.RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await _gate.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new BmcException($"{request.Method} {uri}: no free connection slot within {_options.RequestTimeout}", null, null, null, uri) { Kind = BmcErrorKind.Timeout };
        }
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(linked.Token).ConfigureAwait(false);
            return new RedfishResponse
            {
                Method = request.Method,
                Uri = uri,
                Status = response.StatusCode,
                Body = body,
                ETagHeader = response.Headers.TryGetValues("ETag", out var etag) ? etag.FirstOrDefault() : null,
                Location = response.Headers.Location?.OriginalString,
                AuthToken = response.Headers.TryGetValues("X-Auth-Token", out var token) ? token.FirstOrDefault() : null,
                RetryAfter = response.Headers.RetryAfter?.Delta,
            };
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new BmcException($"{request.Method} {uri} timed out after {_options.RequestTimeout}", null, null, null, uri, e) { Kind = BmcErrorKind.Timeout };
        }
        catch (HttpRequestException e)
        {
            throw new BmcException($"{request.Method} {uri} failed: {e.Message}", null, null, null, uri, e) { Kind = BmcErrorKind.Unreachable };
        }
        finally
        {
            _gate.Release();
        }
    }
}
