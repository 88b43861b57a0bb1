using TestFarm.Core.Time;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace TestFarm.Lab.Cluster;

/// <summary>
/// Makes LoadBalancer VIPs on loopback (127.0.0.0/8) really answer, standing in for kube-proxy and the pods:
/// while a MetalLB speaker is Ready and the service selects at least one Ready pod, a listener on VIP:port
/// answers each connection with a short HTTP 200 naming the service (a simulation, it says so). Without Ready
/// endpoints the VIP's ports stay bound but do not listen, so a connection is refused, as kube-proxy rejects it
/// on a real cluster. VIPs are claimed process-wide, so clusters of one process never share one; a VIP whose
/// port another process listens on is passed over.
/// </summary>
public sealed class LoadBalancerResponders : IDisposable
{
    private static readonly ConcurrentDictionary<string, LoadBalancerResponders> Claims = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Ip, int Port), Listener> _listeners = [];
    private readonly HashSet<string> _claimed = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Ip, int Port), Socket> _reserved = [];
    private readonly Dictionary<(string Ip, int Port), string> _failures = [];
    private readonly Lock _gate = new();
    private bool _disposed;

    /// <summary>True when addresses in 127.0.0.0/8 are served by this class.</summary>
    public static bool IsLoopback(string ip) => IPAddress.TryParse(ip, out var a) && a.AddressFamily == AddressFamily.InterNetwork && IPAddress.IsLoopback(a);

    /// <summary>
    /// Claims a loopback VIP for this cluster if no other cluster of the process holds it and every TCP port can
    /// be bound on it now (another process may hold it). Addresses outside loopback are not served: always true.
    /// </summary>
    public bool TryClaim(string ip, IEnumerable<int> ports)
    {
        if (!IsLoopback(ip)) return true;
        lock (_gate)
        {
            if (_disposed) return false;
            if (_claimed.Contains(ip)) return true;
            if (!Claims.TryAdd(ip, this)) return false;
            var bound = new List<(int Port, Socket Socket)>();
            foreach (var port in ports.Distinct())
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse(ip), port));
                    bound.Add((port, socket));
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
                {
                    socket.Dispose();
                    foreach (var b in bound) b.Socket.Dispose();
                    Claims.TryRemove(new KeyValuePair<string, LoadBalancerResponders>(ip, this));
                    return false;
                }
                catch (SocketException)
                {
                    // e.g. a port below 1024 without privileges: the VIP is still MetalLB's to hand out; the
                    // listener's own failure is reported on the service
                    socket.Dispose();
                }
            }
            foreach (var (port, socket) in bound) _reserved[(ip, port)] = socket;
            _claimed.Add(ip);
            return true;
        }
    }

    /// <summary>
    /// Listens on every (VIP, port) that should answer now; stops the rest and releases VIPs no service holds.
    /// <paramref name="serving"/> maps (VIP, port) to the text the backend answers with.
    /// </summary>
    public void Apply(IReadOnlyDictionary<(string Ip, int Port), string> serving, IReadOnlySet<string> heldIps)
    {
        lock (_gate)
        {
            if (_disposed) return;
            foreach (var key in _listeners.Keys.Where(k => !serving.ContainsKey(k)).ToList())
            {
                _listeners[key].Dispose();
                _listeners.Remove(key);
                Reserve(key); // keep the port: bound, not listening, so connections are refused
            }
            foreach (var (key, text) in serving)
            {
                if (!_claimed.Contains(key.Ip)) continue;
                if (_listeners.TryGetValue(key, out var existing)) { existing.Text = text; continue; }
                _reserved.Remove(key, out var socket);
                var (listener, error) = Listener.TryStart(key.Ip, key.Port, socket, text);
                if (listener is not null) _listeners[key] = listener;
                if (error is null) _failures.Remove(key); else _failures[key] = error;
            }
            foreach (var ip in _claimed.Where(ip => !heldIps.Contains(ip)).ToList())
            {
                foreach (var key in _listeners.Keys.Where(k => k.Ip == ip).ToList())
                {
                    _listeners[key].Dispose();
                    _listeners.Remove(key);
                }
                foreach (var key in _reserved.Keys.Where(k => k.Ip == ip).ToList())
                {
                    _reserved[key].Dispose();
                    _reserved.Remove(key);
                }
                _claimed.Remove(ip);
                Claims.TryRemove(new KeyValuePair<string, LoadBalancerResponders>(ip, this));
            }
        }
    }

    private void Reserve((string Ip, int Port) key)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Parse(key.Ip), key.Port));
            _reserved[key] = socket;
        }
        catch (SocketException)
        {
            socket.Dispose(); // taken meanwhile: the next listen reports it on the service
        }
    }

    /// <summary>Why the last attempt to listen on (VIP, port) failed, if it did.</summary>
    public string? Failure(string ip, int port) { lock (_gate) { return _failures.GetValueOrDefault((ip, port)); } }

    /// <summary>(VIP, port) pairs listening now.</summary>
    public IReadOnlyList<(string Ip, int Port)> Listening { get { lock (_gate) { return [.. _listeners.Keys]; } } }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            foreach (var l in _listeners.Values) l.Dispose();
            _listeners.Clear();
            foreach (var r in _reserved.Values) r.Dispose();
            _reserved.Clear();
            foreach (var ip in _claimed) Claims.TryRemove(new KeyValuePair<string, LoadBalancerResponders>(ip, this));
            _claimed.Clear();
        }
    }

    /// <summary>The VIP:port pairs each LoadBalancer service should answer on now, with the answer's text.</summary>
    public static Dictionary<(string Ip, int Port), string> Serving(IReadOnlyList<JsonObject> services, IReadOnlyList<JsonObject> pods, bool speakerReady)
    {
        var serving = new Dictionary<(string, int), string>();
        if (!speakerReady) return serving;
        foreach (var svc in services.Where(s => s["spec"]?["type"]?.GetValue<string>() == "LoadBalancer"))
        {
            var ns = svc["metadata"]!["namespace"]!.GetValue<string>();
            var selector = svc["spec"]?["selector"] as JsonObject;
            if (selector is null || selector.Count == 0) continue;
            var endpoints = pods.Where(p => p["metadata"]?["namespace"]?.GetValue<string>() == ns && WorkloadController.IsPodReady(p)
                                            && Selectors.Matches(selector, Selectors.LabelsOf(p)))
                .Select(p => p["metadata"]!["name"]!.GetValue<string>()).ToList();
            if (endpoints.Count == 0) continue;
            var text = $"testfarm simulated backend for service {ns}/{svc["metadata"]!["name"]} (endpoints: {string.Join(", ", endpoints)})\n";
            foreach (var ingress in svc["status"]?["loadBalancer"]?["ingress"]?.AsArray() ?? [])
            {
                var ip = ingress?["ip"]?.GetValue<string>();
                if (ip is null || !IsLoopback(ip)) continue;
                foreach (var port in TcpPorts(svc)) serving[(ip, port)] = text;
            }
        }
        return serving;
    }

    public static IEnumerable<int> TcpPorts(JsonObject svc) =>
        (svc["spec"]?["ports"]?.AsArray() ?? []).Where(p => (p?["protocol"]?.GetValue<string>() ?? "TCP") == "TCP")
            .Select(p => Admission.Int(p?["port"], 0)).Where(p => p > 0);

    /// <summary>One listening socket answering HTTP/1.1 200 with a fixed text, then closing.</summary>
    private sealed class Listener : IDisposable
    {
        private readonly Socket _socket;
        private readonly CancellationTokenSource _stop = new();

        private Listener(Socket socket, string text)
        {
            _socket = socket;
            Text = text;
        }

        public string Text { get; set; }

        /// <summary>Listens on the reserved (already bound) socket, or binds a new one.</summary>
        public static (Listener? Listener, string? Error) TryStart(string ip, int port, Socket? reserved, string text)
        {
            var socket = reserved ?? new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                if (reserved is null) socket.Bind(new IPEndPoint(IPAddress.Parse(ip), port));
                socket.Listen(64);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                var hint = e.SocketErrorCode == SocketError.AccessDenied && port < 1024 ? " (ports below 1024 need root or CAP_NET_BIND_SERVICE)" : "";
                return (null, $"cannot listen on {ip}:{port}: {e.Message}{hint}");
            }
            var listener = new Listener(socket, text);
            _ = listener.AcceptLoopAsync();
            return (listener, null);
        }

        private async Task AcceptLoopAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket client;
                try { client = await _socket.AcceptAsync(_stop.Token).ConfigureAwait(false); }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
                _ = AnswerAsync(client, Text);
            }
        }

        private async Task AnswerAsync(Socket client, string text)
        {
            using (var stream = new NetworkStream(client, ownsSocket: true))
            {
                try
                {
                    // A real client on a real socket: its answer is bounded on the wall clock.
                    using var timeout = new TimeoutSource(TimeProvider.System, TimeSpan.FromSeconds(5), _stop.Token);
                    var buffer = new byte[4096];
                    var seen = new StringBuilder();
                    while (!seen.ToString().Contains("\r\n\r\n", StringComparison.Ordinal) && seen.Length < 16_384)
                    {
                        var read = await stream.ReadAsync(buffer, timeout.Token).ConfigureAwait(false);
                        if (read == 0) return;
                        seen.Append(Encoding.ASCII.GetString(buffer, 0, read));
                    }
                    var body = Encoding.UTF8.GetBytes(text);
                    var head = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {body.Length}\r\nConnection: close\r\nX-TestFarm-Simulated: true\r\n\r\n");
                    await stream.WriteAsync(head, timeout.Token).ConfigureAwait(false);
                    await stream.WriteAsync(body, timeout.Token).ConfigureAwait(false);
                    // Let the client close first, so TIME_WAIT stays on its side and the VIP's port can be bound again.
                    while (await stream.ReadAsync(buffer, timeout.Token).ConfigureAwait(false) > 0) { }
                }
                catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
                {
                    // the client went away or the listener stopped: nothing to answer
                }
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _socket.Dispose();
            _stop.Dispose();
        }
    }
}
