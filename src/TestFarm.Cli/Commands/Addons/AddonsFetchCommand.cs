using System.CommandLine;
using TestFarm.Kubernetes.Addons.Catalogue;

namespace TestFarm.Cli.Commands.Addons;

/// <summary>
/// <c>testfarm addons fetch [--cache DIR] [--mirror DIR]</c>: fills the add-on cache (default <c>.cache/addons/</c>, or
/// <c>TESTFARM_ADDON_CACHE</c>) with every catalogue release's manifests, from the mirror folder (<c>--mirror</c> or
/// <c>TESTFARM_ADDON_MIRROR</c>), else the upstream URL, each verified against the catalogue's sha256. Files already in
/// the cache and verified are kept. Exit 0 when every file is in the cache, 1 when a digest was refused and the file
/// could not be had otherwise, 4 when a file could not be fetched at all.
/// </summary>
public sealed class AddonsFetchCommand(AddonFetcher fetcher) : ICliCommand
{
    public string Path => "addons fetch";

    private readonly Option<string?> _cache = new("--cache") { Description = $"The add-on cache (default ${AddonSources.CacheVariable}, else ./.cache/addons)" };
    private readonly Option<string?> _mirror = new("--mirror") { Description = $"A mirror folder holding <addon>-<version>/ (default ${AddonSources.MirrorVariable})" };

    public Command Build()
    {
        var command = new Command("fetch", "Fill the add-on cache with the catalogue's manifests (mirror folder, then upstream URL; sha256 verified).")
        {
            _cache, _mirror,
        };
        command.SetAction((parse, ct) => RunAsync(
            parse.GetValue(_cache) ?? Env(AddonSources.CacheVariable) ?? AddonSources.DefaultCache(Directory.GetCurrentDirectory()),
            parse.GetValue(_mirror) ?? Env(AddonSources.MirrorVariable),
            parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));
        return command;
    }

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;

    public async Task<int> RunAsync(string cache, string? mirror, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (mirror is not null && !Directory.Exists(mirror))
        {
            await error.WriteLineAsync($"addons fetch: the mirror folder {System.IO.Path.GetFullPath(mirror)} does not exist (--mirror or {AddonSources.MirrorVariable})");
            return ExitCodes.InvalidInput;
        }
        IReadOnlyList<AddonFetchOutcome> outcomes;
        try
        {
            outcomes = await fetcher.FetchAsync(new AddonFetchRequest
            {
                Cache = System.IO.Path.GetFullPath(cache), Mirror = mirror is null ? null : System.IO.Path.GetFullPath(mirror),
            }, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"addons fetch: cache {System.IO.Path.GetFullPath(cache)}: {ex.Message}");
            return ExitCodes.InvalidInput;
        }
        foreach (var o in outcomes)
        {
            var what = $"{o.Release.Addon} {o.Release.Version} {o.File.Name}";
            await output.WriteLineAsync(o.Source switch
            {
                AddonFileSource.Cache => $"{what}: in the cache, sha256 {o.File.Sha256}",
                AddonFileSource.Mirror => $"{what}: copied from the mirror, sha256 {o.File.Sha256}",
                AddonFileSource.Upstream => $"{what}: downloaded from {o.File.Url}, sha256 {o.File.Sha256}",
                _ => $"{what}: NOT fetched",
            });
            foreach (var problem in o.Problems) await (o.Fetched ? output : error).WriteLineAsync($"  {(o.Fetched ? "note" : "error")}: {what}: {problem}");
        }
        var failed = outcomes.Where(o => !o.Fetched).ToList();
        if (failed.Count == 0)
        {
            await output.WriteLineAsync($"add-on cache {System.IO.Path.GetFullPath(cache)}: {outcomes.Count} files verified");
            return ExitCodes.Success;
        }
        await error.WriteLineAsync($"addons fetch: {failed.Count} of {outcomes.Count} files not fetched: {string.Join(", ", failed.Select(f => $"{f.Release.Folder}/{f.File.Name}"))}");
        return failed.Any(f => f.Problems.Any(p => p.Contains("sha256", StringComparison.Ordinal))) ? ExitCodes.InvalidInput : ExitCodes.RemoteFailure;
    }
}
