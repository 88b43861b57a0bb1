using Refit;
using TestFarm.Redfish.Json;

namespace TestFarm.Redfish.Http;

/// <summary>
/// The Redfish verbs the farm uses, on any resource path taken from an <c>@odata.id</c> (<c>{**path}</c> keeps its
/// slashes). Every call carries its <see cref="RedfishCall"/> so the shared handlers know the BMC, its login, its
/// concurrency gate and its TLS trust. Answers come back whole: statuses and headers are the client's to read.
/// </summary>
[Headers("Accept: application/json", "OData-Version: 4.0")]
internal interface IRedfishApi
{
    [Get("/{**path}")]
    Task<HttpResponseMessage> GetAsync(string path, [Query] IDictionary<string, string>? query,
        [Property(RedfishCall.Key)] RedfishCall call, CancellationToken cancellationToken);

    [Patch("/{**path}")]
    Task<HttpResponseMessage> PatchAsync(string path, [Body(buffered: true)] BootPatch body, [Header("If-Match")] string? ifMatch,
        [Property(RedfishCall.Key)] RedfishCall call, CancellationToken cancellationToken);

    [Post("/{**path}")]
    Task<HttpResponseMessage> ResetAsync(string path, [Body(buffered: true)] ResetRequest body,
        [Property(RedfishCall.Key)] RedfishCall call, CancellationToken cancellationToken);

    [Post("/{**path}")]
    Task<HttpResponseMessage> InsertMediaAsync(string path, [Body(buffered: true)] InsertMediaRequest body,
        [Property(RedfishCall.Key)] RedfishCall call, CancellationToken cancellationToken);

    [Post("/{**path}")]
    Task<HttpResponseMessage> ActionAsync(string path, [Body(buffered: true)] EmptyRequest body,
        [Property(RedfishCall.Key)] RedfishCall call, CancellationToken cancellationToken);

    [Post("/{**path}")]
    Task<HttpResponseMessage> CreateSessionAsync(string path, [Body(buffered: true)] SessionCreateRequest body,
        [Property(RedfishCall.Key)] RedfishCall call, CancellationToken cancellationToken);

    [Delete("/{**path}")]
    Task<HttpResponseMessage> DeleteSessionAsync(string path, [Header("X-Auth-Token")] string token,
        [Property(RedfishCall.Key)] RedfishCall call, CancellationToken cancellationToken);
}
