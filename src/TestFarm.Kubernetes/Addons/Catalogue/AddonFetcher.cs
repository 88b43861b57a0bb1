using System.Security.Cryptography;

namespace TestFarm.Kubernetes.Addons.Catalogue;

/// <summary>What <c>testfarm addons fetch</c> fills, and from where.</summary>
public sealed record AddonFetchRequest
{
    /// <summary>The cache to fill (each release in its own folder, e.g. <c>metallb-v0.15.3/</c>).</summary>
    public required string Cache { get; init; }
    /// <summary>A mirror folder laid out like the cache, tried before the upstream URL; null: none.</summary>
    public string? Mirror { get; init; }
    public IReadOnlyList<AddonRelease> Releases { get; init; } = AddonCatalogue.Releases;
    /// <summary>How long one file's download may take. Default 2 minutes.</summary>
    public TimeSpan DownloadTimeout { get; init; } = TimeSpan.FromMinutes(2);
    /// <summary>Tests only: replaces the scheme, host and port of every upstream URL (a loopback server).</summary>
    internal Uri? UpstreamBase { get; init; }
}

public enum AddonFileSource { Cache, Mirror, Upstream }

/// <summary>One file's fate: where it came from (null: nowhere) and why each source that failed was refused.</summary>
public sealed record AddonFetchOutcome(AddonRelease Release, AddonFile File, AddonFileSource? Source, IReadOnlyList<string> Problems)
{
    public bool Fetched => Source is not null;
}

/// <summary>
/// Fills the add-on cache with the catalogue's files, each from, in order: the cache itself (already there and
/// verified), the mirror folder, the upstream URL (through <see cref="IHttpClientFactory"/>, bounded in time and size).
/// Every copy is checked against the catalogue's sha256 before it lands in the cache; a mismatch is refused naming
/// the file, the expected and the actual digest. Files are written whole (temporary file, then rename): idempotent.
/// </summary>
public sealed class AddonFetcher(IHttpClientFactory http, TimeProvider time)
{
    public const string HttpClientName = "testfarm-addons";
    /// <summary>The largest manifest accepted from upstream (Rook's CRDs are about 0.8 MB).</summary>
    public const long MaxFileBytes = 32L << 20;

    public async Task<IReadOnlyList<AddonFetchOutcome>> FetchAsync(AddonFetchRequest request, CancellationToken cancellationToken = default)
    {
        var outcomes = new List<AddonFetchOutcome>();
        foreach (var release in request.Releases)
        {
            Directory.CreateDirectory(Path.Combine(request.Cache, release.Folder));
            foreach (var file in release.Files) outcomes.Add(await FetchAsync(request, release, file, cancellationToken));
        }
        return outcomes;
    }

    private async Task<AddonFetchOutcome> FetchAsync(AddonFetchRequest request, AddonRelease release, AddonFile file, CancellationToken ct)
    {
        var target = Path.Combine(request.Cache, release.Folder, file.Name);
        var problems = new List<string>();
        if (File.Exists(target))
        {
            var cached = AddonManifests.Sha256(target);
            if (cached == file.Sha256) return new AddonFetchOutcome(release, file, AddonFileSource.Cache, problems);
            problems.Add("cache: replaced, " + AddonManifests.DigestMismatch(target, file.Sha256, cached));
        }
        if (request.Mirror is not null)
        {
            var mirrored = Path.Combine(request.Mirror, release.Folder, file.Name);
            if (!File.Exists(mirrored)) problems.Add($"mirror: {mirrored} does not exist");
            else
            {
                var temp = TempFile(target);
                // Contents only: the mirror's files may be read-only, the cache's must stay replaceable.
                await using (var from = File.OpenRead(mirrored))
                await using (var to = File.Create(temp))
                    await from.CopyToAsync(to, ct);
                if (Land(temp, target, file, "mirror", mirrored, problems))
                    return new AddonFetchOutcome(release, file, AddonFileSource.Mirror, problems);
            }
        }
        var url = request.UpstreamBase is null ? file.Url : new Uri(request.UpstreamBase, file.Url.PathAndQuery);
        if (await DownloadAsync(url, target, request.DownloadTimeout, problems, ct) is { } downloaded
            && Land(downloaded, target, file, "upstream", url.ToString(), problems))
            return new AddonFetchOutcome(release, file, AddonFileSource.Upstream, problems);
        return new AddonFetchOutcome(release, file, null, problems);
    }

    /// <summary>Moves <paramref name="temp"/> (a copy of <paramref name="origin"/>) over <paramref name="target"/> when its digest is the catalogue's; else deletes it.</summary>
    private static bool Land(string temp, string target, AddonFile file, string source, string origin, List<string> problems)
    {
        var actual = AddonManifests.Sha256(temp);
        if (actual != file.Sha256)
        {
            File.Delete(temp);
            problems.Add($"{source}: refused " + AddonManifests.DigestMismatch(origin, file.Sha256, actual));
            return false;
        }
        File.Move(temp, target, overwrite: true);
        return true;
    }

    private async Task<string?> DownloadAsync(Uri url, string target, TimeSpan timeout, List<string> problems, CancellationToken ct)
    {
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        var temp = TempFile(target);
        try
        {
            var client = http.CreateClient(HttpClientName);
            using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            if (!response.IsSuccessStatusCode)
            {
                problems.Add($"upstream: GET {url}: {(int)response.StatusCode} {response.ReasonPhrase}");
                return null;
            }
            if (response.Content.Headers.ContentLength > MaxFileBytes)
            {
                problems.Add($"upstream: GET {url}: {response.Content.Headers.ContentLength} bytes, more than the {MaxFileBytes} a manifest may have");
                return null;
            }
            await using (var body = await response.Content.ReadAsStreamAsync(linked.Token))
            await using (var output = File.Create(temp))
            {
                var buffer = new byte[81920];
                long total = 0;
                int read;
                while ((read = await body.ReadAsync(buffer, linked.Token)) > 0)
                {
                    total += read;
                    if (total > MaxFileBytes)
                    {
                        problems.Add($"upstream: GET {url}: more than the {MaxFileBytes} bytes a manifest may have");
                        return null;
                    }
                    await output.WriteAsync(buffer.AsMemory(0, read), linked.Token);
                }
            }
            var done = temp;
            temp = null;
            return done;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            problems.Add($"upstream: GET {url}: no complete answer within {timeout.TotalSeconds:0} s");
            return null;
        }
        catch (HttpRequestException ex)
        {
            problems.Add($"upstream: GET {url}: {ex.Message}");
            return null;
        }
        finally
        {
            if (temp is not null && File.Exists(temp)) File.Delete(temp);
        }
    }

    private static string TempFile(string target) => $"{target}.part-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
}
