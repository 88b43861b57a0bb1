using System.Net.Sockets;

namespace TestFarm.Scenarios.Probes;

/// <summary>Reaches addresses from the farm's side: HTTP GET and TCP connect, each bounded by the caller's token.</summary>
public interface IProbeTransport
{
    /// <summary>Returns the HTTP status code, or throws on a transport failure.</summary>
    Task<int> HttpGetAsync(Uri url, CancellationToken cancellationToken);

    Task TcpConnectAsync(string host, int port, CancellationToken cancellationToken);
}

/// <summary>The real transport: <see cref="HttpClient"/> and <see cref="TcpClient"/>.</summary>
public sealed class NetworkProbeTransport(HttpClient http) : IProbeTransport
{
    public async Task<int> HttpGetAsync(Uri url, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        return (int)response.StatusCode;
    }

    public async Task TcpConnectAsync(string host, int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
    }
}
