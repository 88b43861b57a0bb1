using TestFarm.Core.Time;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace TestFarm.Lab.Machines;

/// <summary>
/// A minimal QEMU Machine Protocol client over a unix socket: greeting, <c>qmp_capabilities</c>,
/// then one command at a time. Every call has its own timeout.
/// </summary>
public sealed class QmpClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly StreamReader _reader;
    private readonly StreamWriter _writer;
    private readonly string _path;

    private QmpClient(Socket socket, string path)
    {
        _socket = socket;
        _path = path;
        var stream = new NetworkStream(socket, ownsSocket: false);
        _reader = new StreamReader(stream, Encoding.UTF8);
        _writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
    }

    public static async Task<QmpClient> ConnectAsync(string socketPath, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        // QEMU runs on the wall clock: its replies are timed by it.
        using var cts = new TimeoutSource(TimeProvider.System, timeout, cancellationToken);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cts.Token).ConfigureAwait(false);
            var client = new QmpClient(socket, socketPath);
            await client.ReadReplyAsync(cts.Token).ConfigureAwait(false); // greeting
            await client.ExecuteAsync("qmp_capabilities", null, timeout, cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or IOException)
        {
            socket.Dispose();
            throw new QmpException($"QMP at {socketPath}: could not connect: {ex.Message}", ex);
        }
    }

    /// <summary>Runs one command and returns its <c>return</c> value; throws <see cref="QmpException"/> on an error reply.</summary>
    public async Task<JsonNode?> ExecuteAsync(string command, JsonObject? arguments, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        // QEMU runs on the wall clock: its replies are timed by it.
        using var cts = new TimeoutSource(TimeProvider.System, timeout, cancellationToken);
        var request = new JsonObject { ["execute"] = command };
        if (arguments is not null) request["arguments"] = arguments;
        try
        {
            await _writer.WriteLineAsync(request.ToJsonString().AsMemory(), cts.Token).ConfigureAwait(false);
            while (true)
            {
                var reply = await ReadReplyAsync(cts.Token).ConfigureAwait(false);
                if (reply is null) throw new QmpException($"QMP at {_path}: connection closed during {command}");
                if (reply["event"] is not null) continue;
                if (reply["error"] is JsonObject error)
                    throw new QmpException($"QMP at {_path}: {command} failed: {error["class"]}: {error["desc"]}");
                return reply["return"];
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            throw new QmpException($"QMP at {_path}: {command}: {ex.Message}", ex);
        }
    }

    private async Task<JsonObject?> ReadReplyAsync(CancellationToken cancellationToken)
    {
        var line = await _reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        return line is null ? null : JsonNode.Parse(line) as JsonObject;
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _writer.Dispose();
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>A QMP call failed; the message names the socket and the command.</summary>
public sealed class QmpException : Exception
{
    public QmpException(string message) : base(message) { }
    public QmpException(string message, Exception inner) : base(message, inner) { }
}
