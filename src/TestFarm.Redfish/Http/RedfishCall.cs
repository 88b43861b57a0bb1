namespace TestFarm.Redfish.Http;

/// <summary>
/// Which BMC a request is for, carried in the request's options: the handlers of the one Redfish
/// <see cref="System.Net.Http.IHttpClientFactory"/> client read the login, gate and TLS trust from it.
/// </summary>
internal sealed class RedfishCall(RedfishTransport transport, bool authenticated)
{
    public const string Key = "TestFarm.Redfish.Call";

    public RedfishTransport Transport { get; } = transport;

    /// <summary>False for the service root, login and logout, which carry no (or their own) credentials.</summary>
    public bool Authenticated { get; } = authenticated;

    public static RedfishCall? Of(HttpRequestMessage? request) =>
        request is not null && ((IDictionary<string, object?>)request.Options).TryGetValue(Key, out var value) ? value as RedfishCall : null;
}
