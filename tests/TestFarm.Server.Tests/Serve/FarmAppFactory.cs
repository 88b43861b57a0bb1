using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TestFarm.Server.Hosting;
using TestFarm.Server.Runs;

namespace TestFarm.Server.Tests.Serve;

/// <summary>
/// <c>testfarm serve</c>'s app in-process through <see cref="WebApplicationFactory{TEntryPoint}"/>: <see cref="FarmServer"/>
/// builds it exactly as serve does, but requests go through the test server instead of a socket. For tests that only call
/// the API; the ones that need a real listener (the lab's machines calling back, two instances, kills) keep Kestrel.
/// </summary>
internal sealed class FarmAppFactory : WebApplicationFactory<FarmAppFactory>
{
    private readonly WebApplication _app;

    private FarmAppFactory(WebApplication app) => _app = app;

    public WebApplication App => _app;

    public static async Task<FarmAppFactory> BuildAsync(FarmServerOptions options, IFarmBackend? backend, CancellationToken ct, Action<IServiceCollection>? services = null)
    {
        var app = await FarmServer.BuildAsync(options, backend, logging: b => b.SetMinimumLevel(LogLevel.Warning), configureServices: s =>
        {
            services?.Invoke(s);
            s.AddSingleton<IServer, TestServer>();
        }, ct: ct);
        return new FarmAppFactory(app);
    }

    /// <summary>FarmServer makes the host; the factory's own builder is never built.</summary>
    protected override IHostBuilder CreateHostBuilder() => new HostBuilder();

    protected override IHost CreateHost(IHostBuilder builder)
    {
        _app.Start();
        return _app;
    }
}
