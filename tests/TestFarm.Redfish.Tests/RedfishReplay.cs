using System.Text.Json.Nodes;
using TestFarm.Lab.Mockup;
using TestFarm.Redfish.Auth;
using TestFarm.Redfish.Factory;
using TestFarm.Testing;

namespace TestFarm.Redfish.Tests;

/// <summary>
/// Test helpers around the lab's replay server (<see cref="MockupServer"/>): serve a shared fixture
/// folder, or a temp folder assembled from chosen loose fixture files, and build a client for it.
/// </summary>
internal static class RedfishReplay
{
    /// <summary>Serves <c>../shared/fixtures/redfish/&lt;parts&gt;</c> on 127.0.0.1:0.</summary>
    public static Task<MockupServer> ServeFixtureAsync(params string[] parts) =>
        ServeAsync(Fixtures.Shared(["redfish", .. parts]), new MockupQuirks());

    public static Task<MockupServer> ServeAsync(string directory, MockupQuirks quirks) => MockupServer.StartAsync(directory, quirks);

    /// <summary>
    /// Copies the named fixture files (paths under <c>fixtures/redfish</c>) into <paramref name="into"/>,
    /// at test time only, so one vendor's variant (e.g. iDRAC with system VirtualMedia) can be served alone.
    /// </summary>
    public static string Assemble(TempDirectory into, params string[] fixtureFiles)
    {
        ArgumentNullException.ThrowIfNull(into);
        foreach (var file in fixtureFiles)
        {
            var source = Fixtures.Shared(["redfish", .. file.Split('/')]);
            File.Copy(source, Path.Combine(into.Path, file.Replace('/', '_')), overwrite: true);
        }
        return into.Path;
    }

    /// <summary>Writes a JSON body into an assembled folder (for a resource no fixture file provides).</summary>
    public static void Add(TempDirectory into, string name, JsonObject body)
    {
        ArgumentNullException.ThrowIfNull(into);
        ArgumentNullException.ThrowIfNull(body);
        File.WriteAllText(Path.Combine(into.Path, name), body.ToJsonString());
    }

    /// <summary>A client for the server, unauthenticated unless <paramref name="auth"/> is given.</summary>
    public static RedfishClient Client(MockupServer server, RedfishAuth? auth = null, RedfishOptions? options = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        return RedfishClientFactory.CreateStandalone(server.BaseUrl, auth ?? RedfishAuth.None, options ?? FastOptions, time ?? TimeProvider.System);
    }

    /// <summary>No backoff and no poll interval, for tests on the real clock.</summary>
    public static RedfishOptions FastOptions { get; } = new()
    {
        RetryDelay = TimeSpan.Zero,
        PollInterval = TimeSpan.Zero,
        RequestTimeout = TimeSpan.FromSeconds(20),
    };
}
