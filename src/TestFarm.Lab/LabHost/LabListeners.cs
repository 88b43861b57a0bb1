using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using TestFarm.Lab.Bmc;

namespace TestFarm.Lab.LabHost;

/// <summary>
/// Starts the lab's one Kestrel on one port: the admin API on 127.0.0.1 and every BMC on its own address.
/// With port 0 it takes a port free on 127.0.0.1; the admin listener then holds that port there, so another
/// lab never picks it and its BMC addresses are free too. A port taken meanwhile (a race with another
/// process) is given up and another one tried.
/// </summary>
internal static class LabListeners
{
    private const int Attempts = 8;

    public static async Task<(WebApplication App, int Port)> StartAsync(int port, IReadOnlyCollection<VirtualBmc> bmcs,
        Func<int, WebApplication> build, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var chosen = port != 0 ? port : FreeLoopbackPort();
            foreach (var bmc in bmcs) bmc.Url = new Uri($"http://{bmc.Address}:{chosen}/");
            var app = build(chosen);
            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
                return (app, chosen);
            }
            catch (IOException ex) when (port == 0 && attempt < Attempts && ex.InnerException is AddressInUseException)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }
            catch (IOException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.AddressNotAvailable })
            {
                await app.DisposeAsync().ConfigureAwait(false);
                throw new IOException($"{ex.Message} The lab's BMCs need every address of their loopback range (Linux has all of 127.0.0.0/8 on lo; elsewhere add them as aliases of the loopback interface).", ex);
            }
            catch
            {
                await app.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    private static int FreeLoopbackPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
