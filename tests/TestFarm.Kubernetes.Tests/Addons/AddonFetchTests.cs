using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TestFarm.Kubernetes.Addons.Catalogue;
using TestFarm.Testing;

namespace TestFarm.Kubernetes.Tests.Addons;

/// <summary>
/// <c>testfarm addons fetch</c>'s engine against the real MetalLB and Rook release manifests: from a mirror folder (the
/// shared fixtures), from a loopback server standing in for the upstream URLs, digests verified at every step.
/// </summary>
public sealed class AddonFetchTests
{
    private static string Mirror => Fixtures.Shared("manifests");

    private static AddonFetcher Fetcher() =>
        new ServiceCollection().AddTestFarmKubernetes().BuildServiceProvider().GetRequiredService<AddonFetcher>();

    [Test]
    public void The_catalogue_digests_are_those_of_the_mirrors_release_files()
    {
        foreach (var release in AddonCatalogue.Releases)
        foreach (var file in release.Files)
            Assert.That(AddonManifests.Sha256(Path.Combine(Mirror, release.Folder, file.Name)), Is.EqualTo(file.Sha256), $"{release} {file.Name}");
    }

    [Test]
    public async Task Fetch_copies_every_file_from_the_mirror_verified_and_a_second_fetch_keeps_the_cache()
    {
        using var cache = new TempDirectory("addon-cache");
        var first = await Fetcher().FetchAsync(new AddonFetchRequest { Cache = cache.Path, Mirror = Mirror, UpstreamBase = Unroutable });

        Assert.That(first.Select(o => $"{o.Release.Folder}/{o.File.Name}:{o.Source}"), Is.EqualTo(new[]
        {
            "metallb-v0.15.3/metallb-native.yaml:Mirror", "rook-v1.17.9/crds.yaml:Mirror", "rook-v1.17.9/common.yaml:Mirror", "rook-v1.17.9/operator.yaml:Mirror",
        }));
        Assert.That(first.SelectMany(o => o.Problems), Is.Empty);
        foreach (var o in first)
            Assert.That(File.ReadAllBytes(Path.Combine(cache.Path, o.Release.Folder, o.File.Name)),
                Is.EqualTo(File.ReadAllBytes(Path.Combine(Mirror, o.Release.Folder, o.File.Name))));
        Assert.That(() => AddonManifests.EnsureAvailable(AddonSources.InCache(cache.Path), [("metallb", "0.15.3"), ("rook-ceph", "1.17.9")]), Throws.Nothing);

        var second = await Fetcher().FetchAsync(new AddonFetchRequest { Cache = cache.Path, Mirror = Mirror, UpstreamBase = Unroutable });
        Assert.That(second.Select(o => o.Source), Is.All.EqualTo(AddonFileSource.Cache));
        Assert.That(Directory.GetFiles(cache.Path, "*.part-*", SearchOption.AllDirectories), Is.Empty, "no temporary file is left behind");
    }

    [Test]
    public async Task A_corrupted_mirror_file_is_refused_naming_the_file_the_expected_and_the_actual_digest()
    {
        using var mirror = CopyOfMirror();
        var bad = Path.Combine(mirror.Path, "metallb-v0.15.3", "metallb-native.yaml");
        File.AppendAllText(bad, "# tampered\n");
        var actual = AddonManifests.Sha256(bad);
        await using var upstream = await LoopbackServer.StartAsync(app => app.MapGet("/{**path}", () => Results.NotFound()));
        using var cache = new TempDirectory("addon-cache");

        var outcomes = await Fetcher().FetchAsync(new AddonFetchRequest { Cache = cache.Path, Mirror = mirror.Path, UpstreamBase = upstream.Address });

        var metallb = outcomes.Single(o => o.File.Name == "metallb-native.yaml");
        Assert.That(metallb.Fetched, Is.False);
        var expected = AddonCatalogue.Find("metallb", "v0.15.3").File("metallb-native.yaml").Sha256;
        Assert.That(metallb.Problems[0], Does.Contain(bad).And.Contain($"sha256 {actual}").And.Contain(expected).And.StartWith("mirror: refused"));
        Assert.That(metallb.Problems[1], Does.Contain("404").And.Contain("/metallb/metallb/v0.15.3/config/manifests/metallb-native.yaml"));
        Assert.That(File.Exists(Path.Combine(cache.Path, "metallb-v0.15.3", "metallb-native.yaml")), Is.False, "nothing unverified lands in the cache");
        Assert.That(outcomes.Where(o => o != metallb).Select(o => o.Source), Is.All.EqualTo(AddonFileSource.Mirror));
    }

    [Test]
    public async Task Without_a_mirror_the_files_come_from_the_upstream_urls_and_a_wrong_answer_is_refused()
    {
        var byPath = AddonCatalogue.Releases.SelectMany(r => r.Files.Select(f => (f.Url.AbsolutePath, File: Path.Combine(Mirror, r.Folder, f.Name))))
            .ToDictionary(x => x.AbsolutePath, x => x.File);
        var requests = new ConcurrentQueue<string>();
        await using var upstream = await LoopbackServer.StartAsync(app => app.MapGet("/{**path}", (HttpContext http) =>
        {
            requests.Enqueue(http.Request.Path.Value!);
            if (http.Request.Path.Value!.EndsWith("/operator.yaml", StringComparison.Ordinal)) return Results.Text("kind: NotTheOperator\n");
            return byPath.TryGetValue(http.Request.Path.Value!, out var file) ? Results.File(file, "text/plain") : Results.NotFound();
        }));
        using var cache = new TempDirectory("addon-cache");

        var outcomes = await Fetcher().FetchAsync(new AddonFetchRequest { Cache = cache.Path, UpstreamBase = upstream.Address });

        Assert.That(requests, Is.EquivalentTo(byPath.Keys));
        Assert.That(outcomes.Where(o => o.File.Name != "operator.yaml").Select(o => o.Source), Is.All.EqualTo(AddonFileSource.Upstream));
        var op = outcomes.Single(o => o.File.Name == "operator.yaml");
        Assert.That(op.Fetched, Is.False);
        Assert.That(op.Problems.Single(), Does.StartWith("upstream: refused " + new Uri(upstream.Address, "/rook/rook/v1.17.9/deploy/examples/operator.yaml"))
            .And.Contain(op.File.Sha256).And.Contain("sha256 " + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("kind: NotTheOperator\n"u8))));
        Assert.That(File.Exists(Path.Combine(cache.Path, "rook-v1.17.9", "operator.yaml")), Is.False);
        Assert.That(AddonManifests.Sha256(Path.Combine(cache.Path, "rook-v1.17.9", "crds.yaml")), Is.EqualTo(AddonCatalogue.Find("rook-ceph", "1.17.9").File("crds.yaml").Sha256));
    }

    [Test]
    public async Task A_cache_file_altered_after_the_fetch_is_refused_when_read_and_replaced_by_the_next_fetch()
    {
        using var cache = new TempDirectory("addon-cache");
        await Fetcher().FetchAsync(new AddonFetchRequest { Cache = cache.Path, Mirror = Mirror, UpstreamBase = Unroutable });
        var crds = Path.Combine(cache.Path, "rook-v1.17.9", "crds.yaml");
        File.WriteAllText(crds, "apiVersion: v1\nkind: ConfigMap\n");
        var release = AddonCatalogue.Find("rook-ceph", "v1.17.9");

        var refused = Assert.Throws<AddonUnavailableException>(() => AddonManifests.Files(AddonSources.InCache(cache.Path), release, "crds.yaml"));
        Assert.That(refused!.Message, Does.Contain("add-on rook-ceph v1.17.9 is not available: refused: " + crds)
            .And.Contain("sha256 " + AddonManifests.Sha256(crds)).And.Contain(release.File("crds.yaml").Sha256).And.Contain("testfarm addons fetch"));

        var again = await Fetcher().FetchAsync(new AddonFetchRequest { Cache = cache.Path, Mirror = Mirror, UpstreamBase = Unroutable });
        Assert.That(again.Single(o => o.File.Name == "crds.yaml").Source, Is.EqualTo(AddonFileSource.Mirror));
        Assert.That(AddonManifests.Files(AddonSources.InCache(cache.Path), release, "crds.yaml").Single(), Is.EqualTo(crds));
    }

    [Test]
    public async Task An_upstream_that_never_answers_is_given_up_after_the_download_timeout()
    {
        await using var upstream = await LoopbackServer.StartAsync(app => app.MapGet("/{**path}", async (HttpContext http) =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, http.RequestAborted);
            return Results.Ok();
        }));
        using var cache = new TempDirectory("addon-cache");
        var time = new FakeTimeProvider();
        var http = new ServiceCollection().AddTestFarmKubernetes().BuildServiceProvider().GetRequiredService<IHttpClientFactory>();
        var metallb = AddonCatalogue.Find("metallb", "v0.15.3");

        var outcomes = await time.DriveAsync(new AddonFetcher(http, time).FetchAsync(new AddonFetchRequest
        {
            Cache = cache.Path, Releases = [metallb], UpstreamBase = upstream.Address, DownloadTimeout = TimeSpan.FromSeconds(30),
        }), TimeSpan.FromSeconds(1));

        Assert.That(outcomes.Single().Fetched, Is.False);
        Assert.That(outcomes.Single().Problems.Single(), Does.EndWith("/metallb/metallb/v0.15.3/config/manifests/metallb-native.yaml: no complete answer within 30 s"));
    }

    /// <summary>Upstream in tests that must not reach it: a loopback port nothing listens on.</summary>
    private static readonly Uri Unroutable = new("http://127.0.0.1:9/");

    private static TempDirectory CopyOfMirror()
    {
        var copy = new TempDirectory("addon-mirror");
        foreach (var release in AddonCatalogue.Releases)
        {
            Directory.CreateDirectory(Path.Combine(copy.Path, release.Folder));
            foreach (var file in release.Files)
                File.WriteAllBytes(Path.Combine(copy.Path, release.Folder, file.Name), File.ReadAllBytes(Path.Combine(Mirror, release.Folder, file.Name)));
        }
        return copy;
    }
}
