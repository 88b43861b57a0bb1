using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TestFarm.Provisioning.Boot;

/// <summary>
/// A standalone boot service on Kestrel, for the CLI's bench and for tests; the lab and
/// <c>testfarm serve</c> map <see cref="BootEndpoints.MapTestFarmBoot"/> into their own app instead.
/// </summary>
public sealed class BootServiceHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BootServiceHost(WebApplication app, Uri localUrl)
    {
        _app = app;
        LocalUrl = localUrl;
    }

    /// <summary>Where the host itself reaches the service (http://127.0.0.1:PORT).</summary>
    public Uri LocalUrl { get; }
    public int Port => LocalUrl.Port;
    public BootSessions Sessions => _app.Services.GetRequiredService<BootSessions>();
    public BootArtifacts Artifacts => _app.Services.GetRequiredService<BootArtifacts>();
    public BootServiceOptions Options => _app.Services.GetRequiredService<BootServiceOptions>();

    /// <summary>
    /// Starts on <paramref name="bind"/>:<paramref name="port"/> (0: any free port). <paramref name="publicBase"/>
    /// maps the bound port to the URL machines use (QEMU guests: <c>http://10.0.2.2:PORT</c>).
    /// </summary>
    public static async Task<BootServiceHost> StartAsync(IPAddress bind, int port, Func<int, Uri> publicBase, TimeProvider time,
        Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(publicBase);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(bind, port));
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        builder.Services.AddSingleton(time);
        Uri? local = null;
        builder.Services.AddTestFarmBootService(_ => publicBase(local!.Port));
        var app = builder.Build();
        app.MapTestFarmBoot();
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        local = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        var host = new BootServiceHost(app, local);
        _ = host.Options; // resolve now that the port is known
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
