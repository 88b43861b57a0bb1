using System.Net;
using Microsoft.Extensions.Logging;

namespace TestFarm.Provisioning.Boot;

/// <summary>
/// The farm's boot service (<see cref="BootServiceListener"/>, the one way it listens) with its own sessions and artifacts,
/// for the CLI's bench and for tests that boot machines without a farm's container. The farm's hosts resolve the listener
/// from DI (<see cref="ProvisioningServiceCollectionExtensions.AddTestFarmProvisioning"/>) instead.
/// </summary>
public sealed class BootServiceHost : IAsyncDisposable
{
    private readonly BootServiceListener _listener;
    private readonly ILoggerFactory _loggers;

    private BootServiceHost(BootServiceListener listener, BootSessions sessions, BootArtifacts artifacts, ILoggerFactory loggers)
    {
        _listener = listener;
        _loggers = loggers;
        Sessions = sessions;
        Artifacts = artifacts;
        Options = new BootServiceOptions { PublicBaseUrl = listener.PublicBaseUrl };
    }

    /// <summary>Where the host itself reaches the service (http://127.0.0.1:PORT).</summary>
    public Uri LocalUrl => _listener.LocalUrl;
    public int Port => LocalUrl.Port;
    public BootSessions Sessions { get; }
    public BootArtifacts Artifacts { get; }
    public BootServiceOptions Options { get; }

    /// <summary>
    /// Starts on <paramref name="bind"/>:<paramref name="port"/> (0: any free port). <paramref name="publicBase"/>
    /// maps the bound port to the URL machines use (QEMU guests: <c>http://10.0.2.2:PORT</c>).
    /// </summary>
    public static async Task<BootServiceHost> StartAsync(IPAddress bind, int port, Func<int, Uri> publicBase, TimeProvider time,
        Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(publicBase);
        var loggers = LoggerFactory.Create(b => logging?.Invoke(b));
        var sessions = new BootSessions(time, loggers.CreateLogger<BootSessions>());
        var artifacts = new BootArtifacts();
        var listener = new BootServiceListener(sessions, artifacts, new BootListenOptions { Listen = new IPEndPoint(bind, port), PublicBase = publicBase }, time, loggers);
        try
        {
            await listener.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            loggers.Dispose();
            throw;
        }
        return new BootServiceHost(listener, sessions, artifacts, loggers);
    }

    public async ValueTask DisposeAsync()
    {
        await _listener.DisposeAsync().ConfigureAwait(false);
        _loggers.Dispose();
    }
}
