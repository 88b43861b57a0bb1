using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TestFarm.Provisioning.Boot;

/// <summary>Where the farm's own boot service listens, and the URL machines reach it at once its port is known.</summary>
public sealed record BootListenOptions
{
    /// <summary>Address and port to listen on (port 0: any free one).</summary>
    public required IPEndPoint Listen { get; init; }
    /// <summary>The boot service's base URL as the machines see it, from the bound port.</summary>
    public required Func<int, Uri> PublicBase { get; init; }
}

/// <summary>The boot service cannot listen on its address (in use, not an address of this host).</summary>
public sealed class BootListenException(IPEndPoint listen, IOException inner)
    : IOException($"the boot service cannot listen on {listen}: {inner.Message}", inner)
{
    public IPEndPoint Listen { get; } = listen;
}

/// <summary>
/// The boot service's HTTP side on its own Kestrel address (the provisioning network), serving the container's
/// <see cref="BootSessions"/> and <see cref="BootArtifacts"/>, so the reimager and the endpoints share one session
/// store. Started explicitly (<see cref="StartAsync"/>); until then <see cref="PublicBaseUrl"/> is unknown. The endpoints log
/// through <paramref name="loggers"/> when given, and nowhere otherwise.
/// </summary>
public sealed class BootServiceListener(BootSessions sessions, BootArtifacts artifacts, BootListenOptions options, TimeProvider time, ILoggerFactory? loggers = null)
    : IAsyncDisposable
{
    private WebApplication? _app;
    private Uri? _local;

    /// <summary>Where the host itself reaches the service (http://127.0.0.1:PORT when listening on any address).</summary>
    public Uri LocalUrl => _local ?? throw new InvalidOperationException("the boot service has not started yet");

    /// <summary>The base URL that goes into boot scripts and the agent's command line.</summary>
    public Uri PublicBaseUrl => options.PublicBase(LocalUrl.Port);

    /// <summary>Binds and starts; a <see cref="BootListenException"/> says the address cannot be listened on.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_app is not null) return;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(options.Listen));
        builder.Logging.ClearProviders();
        if (loggers is not null) builder.Services.AddSingleton(loggers);
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton(sessions);
        builder.Services.AddSingleton(artifacts);
        builder.Services.AddSingleton(_ => new BootServiceOptions { PublicBaseUrl = PublicBaseUrl });
        var app = builder.Build();
        app.MapTestFarmBoot();
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            await app.DisposeAsync();
            throw new BootListenException(options.Listen, e);
        }
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _local = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is null) return;
        await _app.StopAsync();
        await _app.DisposeAsync();
        _app = null;
    }
}
