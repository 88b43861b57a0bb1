using System.Net;
using System.Net.Sockets;
using TestFarm.Lab.Cluster;

namespace TestFarm.Lab.Tests.Cluster;

/// <summary>Loopback VIPs: claimed once per host, refused without endpoints, answering HTTP with them.</summary>
[NonParallelizable]
public sealed class LoadBalancerRespondersTests
{
    private static int FreePort(string ip)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Parse(ip), 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    [Test, CancelAfter(20_000)]
    public async Task A_vip_is_claimed_once_refuses_without_endpoints_and_answers_with_them(CancellationToken cancellationToken)
    {
        const string ip = "127.0.10.201";
        var port = FreePort(ip);
        using var first = new LoadBalancerResponders();
        using var second = new LoadBalancerResponders();

        Assert.That(first.TryClaim(ip, [port]), Is.True);
        Assert.That(second.TryClaim(ip, [port]), Is.False, "another cluster of the process holds it");
        Assert.That(second.TryClaim("10.1.2.3", [port]), Is.True, "addresses outside loopback are not served, so never refused");

        first.Apply(new Dictionary<(string, int), string>(), new HashSet<string> { ip });
        using (var refused = new TcpClient())
        {
            var e = Assert.ThrowsAsync<SocketException>(async () => await refused.ConnectAsync(ip, port, cancellationToken));
            Assert.That(e!.SocketErrorCode, Is.EqualTo(SocketError.ConnectionRefused), "bound but not listening: refused, like kube-proxy without endpoints");
        }

        first.Apply(new Dictionary<(string, int), string> { [(ip, port)] = "simulated backend for service default/web\n" }, new HashSet<string> { ip });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        using var response = await http.GetAsync(new Uri($"http://{ip}:{port}/"), cancellationToken);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Headers.GetValues("X-TestFarm-Simulated"), Is.EqualTo(new[] { "true" }));
        Assert.That(await response.Content.ReadAsStringAsync(cancellationToken), Is.EqualTo("simulated backend for service default/web\n"));
        Assert.That(first.Listening, Is.EqualTo(new[] { (ip, port) }));

        first.Apply(new Dictionary<(string, int), string>(), new HashSet<string>());
        Assert.That(first.Listening, Is.Empty);
        Assert.That(second.TryClaim(ip, [port]), Is.True, "released with its service");
    }

    [Test]
    public void A_vip_whose_port_another_process_listens_on_is_not_claimed()
    {
        const string ip = "127.0.10.202";
        var other = new TcpListener(IPAddress.Parse(ip), 0);
        other.Start();
        var port = ((IPEndPoint)other.LocalEndpoint).Port;
        using var responders = new LoadBalancerResponders();
        try
        {
            Assert.That(responders.TryClaim(ip, [port]), Is.False);
        }
        finally
        {
            other.Stop();
            other.Dispose();
        }
        Assert.That(responders.TryClaim(ip, [port]), Is.True);
    }
}
