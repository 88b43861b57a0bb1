using System.Net.Http.Headers;
using System.Text;

namespace TestFarm.Redfish.Auth;

/// <summary>How requests to one BMC are authenticated: none, HTTP basic or a Redfish session.</summary>
public abstract class RedfishAuth
{
    /// <summary>Adds credentials to a request, logging in first when needed.</summary>
    public abstract ValueTask ApplyAsync(HttpRequestMessage request, Http.RedfishTransport transport, CancellationToken cancellationToken);

    /// <summary>Drops the current login after a 401 so the next <see cref="ApplyAsync"/> logs in again. False when that cannot help.</summary>
    public virtual bool Invalidate() => false;

    public virtual ValueTask LogoutAsync(Http.RedfishTransport transport) => ValueTask.CompletedTask;

    public static RedfishAuth None { get; } = new NoAuth();

    private sealed class NoAuth : RedfishAuth
    {
        public override ValueTask ApplyAsync(HttpRequestMessage request, Http.RedfishTransport transport, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}

public sealed class BasicAuth(RedfishCredentials credentials) : RedfishAuth
{
    private readonly AuthenticationHeaderValue _header =
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.User}:{credentials.Password}")));

    public override ValueTask ApplyAsync(HttpRequestMessage request, Http.RedfishTransport transport, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = _header;
        return ValueTask.CompletedTask;
    }
}
