using System.Net;
using System.Net.Sockets;
using NUnit.Framework;

namespace TestFarm.Testing;

/// <summary>The lab's simulated LoadBalancer VIPs answer on port 80 of 127.0.10.x.</summary>
public static class LoopbackPorts
{
    /// <summary>
    /// Binding port 80 needs root or CAP_NET_BIND_SERVICE: without it the test is ignored with that reason, or fails
    /// in CI (the README's test command runs as root, so there it must be possible).
    /// </summary>
    public static void RequireLowPorts()
    {
        try
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.Parse("127.0.10.255"), 80));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AccessDenied)
        {
            const string why = "binding port 80 on loopback needs root or CAP_NET_BIND_SERVICE; the simulated VIPs could not answer";
            if (Environment.GetEnvironmentVariable("CI") == "true") Assert.Fail(why);
            Assert.Ignore(why);
        }
    }
}
