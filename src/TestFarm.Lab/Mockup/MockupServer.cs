using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TestFarm.Lab.Mockup;

/// <summary>
/// A loopback Redfish replay server: serves a mockup folder over real HTTP on 127.0.0.1 (port 0 by
/// default), simulating the state changes of sessions, PATCH, resets, virtual media and task monitors,
/// with <see cref="MockupQuirks"/> for vendor behaviour. Used by <c>testfarm redfish inspect --mockup</c> and tests.
/// </summary>
public sealed class MockupServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MockupServer(WebApplication app, MockupHandler handler, Uri baseUrl)
    {
        _app = app;
        Handler = handler;
        BaseUrl = baseUrl;
    }

    /// <summary>The BMC url to give the client (its service root is <c>{BaseUrl}/redfish/v1</c>).</summary>
    public Uri BaseUrl { get; }

    public MockupHandler Handler { get; }

    public MockupQuirks Quirks => Handler.Quirks;

    public MockupRequestLog Requests => Handler.Requests;

    /// <param name="certificate">Serve HTTPS with this certificate (TLS tests); null serves plain HTTP.</param>
    public static async Task<MockupServer> StartAsync(string directory, MockupQuirks? quirks = null, int port = 0,
        X509Certificate2? certificate = null, CancellationToken cancellationToken = default)
    {
        var handler = new MockupHandler(MockupResources.Load(directory), quirks ?? new MockupQuirks());
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port, listen =>
        {
            if (certificate is not null) listen.UseHttps(certificate);
        }));
        var app = builder.Build();
        app.Run(handler.HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new MockupServer(app, handler, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>What the replay server was asked, for assertions: method, path and the headers the client controls.</summary>
public sealed record MockupRequest(string Method, string Path, string? IfMatch, bool HasToken, bool HasBasic, string? Body);

public sealed class MockupRequestLog
{
    private readonly List<MockupRequest> _items = [];
    private readonly Lock _gate = new();

    private readonly List<(Func<IReadOnlyList<MockupRequest>, bool> Until, TaskCompletionSource Done)> _waiters = [];

    public void Add(MockupRequest request)
    {
        List<TaskCompletionSource> done;
        lock (_gate)
        {
            _items.Add(request);
            done = _waiters.Where(w => w.Until(_items)).Select(w => w.Done).ToList();
            _waiters.RemoveAll(w => done.Contains(w.Done));
        }
        foreach (var d in done) d.TrySetResult();
    }

    /// <summary>Completes once the requests seen so far satisfy <paramref name="until"/> (no polling, no sleeping).</summary>
    public Task WaitForAsync(Func<IReadOnlyList<MockupRequest>, bool> until)
    {
        lock (_gate)
        {
            if (until(_items)) return Task.CompletedTask;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((until, done));
            return done.Task;
        }
    }

    public IReadOnlyList<MockupRequest> All
    {
        get { lock (_gate) { return [.. _items]; } }
    }

    public int Count(string method, string pathContains) =>
        All.Count(r => r.Method == method && r.Path.Contains(pathContains, StringComparison.OrdinalIgnoreCase));
}
