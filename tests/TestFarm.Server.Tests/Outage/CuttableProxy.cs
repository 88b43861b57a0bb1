using System.Net;
using System.Net.Sockets;

namespace TestFarm.Server.Tests.Outage;

/// <summary>
/// A TCP relay on 127.0.0.1 in front of a real server (the throw-away PostgreSQL), whose link the test cuts and mends: cut,
/// every open connection is reset and new ones are refused (the listener closes), as when the database's host goes away;
/// mended, it listens again on the same port. The database itself keeps running for the other tests that share it.
/// </summary>
internal sealed class CuttableProxy : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly List<TcpClient> _open = [];
    private readonly Lock _gate = new();
    private TcpListener? _listener;
    private CancellationTokenSource _stop = new();
    private Task _accepting = Task.CompletedTask;

    public CuttableProxy(IPEndPoint target)
    {
        _target = target;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Mend();
    }

    public int Port { get; }

    public void Mend()
    {
        lock (_gate)
        {
            if (_listener is not null) return;
            _stop = new CancellationTokenSource();
            _listener = new TcpListener(IPAddress.Loopback, Port);
            _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _listener.Start();
            var listener = _listener;
            var stop = _stop.Token;
            _accepting = Task.Run(() => AcceptAsync(listener, stop));
        }
    }

    public async Task CutAsync()
    {
        List<TcpClient> open;
        lock (_gate)
        {
            _listener?.Stop();
            _listener = null;
            _stop.Cancel();
            open = [.. _open];
            _open.Clear();
        }
        foreach (var c in open)
        {
            try { if (c.Client is { } socket) socket.LingerState = new LingerOption(true, 0); } catch (ObjectDisposedException) { } catch (SocketException) { }
            c.Dispose(); // a reset, not a polite close
        }
        try { await _accepting; } catch (OperationCanceledException) { } catch (SocketException) { } catch (ObjectDisposedException) { }
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var client = await listener.AcceptTcpClientAsync(stop);
            var server = new TcpClient();
            try { await server.ConnectAsync(_target, stop); }
            catch (SocketException) { client.Dispose(); server.Dispose(); continue; }
            lock (_gate)
            {
                if (stop.IsCancellationRequested) { client.Dispose(); server.Dispose(); return; }
                _open.Add(client);
                _open.Add(server);
            }
            _ = PumpAsync(client, server);
            _ = PumpAsync(server, client);
        }
    }

    private static async Task PumpAsync(TcpClient from, TcpClient to)
    {
        try { await from.GetStream().CopyToAsync(to.GetStream()); }
        catch (IOException) { }
        catch (ObjectDisposedException) { }
        catch (InvalidOperationException) { }
        finally
        {
            from.Dispose();
            to.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await CutAsync();
        _stop.Dispose();
    }
}
