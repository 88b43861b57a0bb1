using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using TestFarm.Core.Bmc;
using TestFarm.Redfish.Http;
using TestFarm.Redfish.Json;
using TestFarm.Redfish.Tasks;

namespace TestFarm.Redfish.Boot;

/// <summary>
/// One-time boot override. Each Boot property is PATCHed to the resource that exposes it (the
/// <c>@Redfish.Settings</c> object when it carries the property, else the system), with If-Match from
/// the ETag header or <c>@odata.etag</c> and one retry on 412/428; the result is verified by GET and a
/// silently ignored override throws <see cref="BmcErrorKind.OverrideIgnored"/>.
/// </summary>
public sealed class BootOverrideOperations(RedfishService service, ILogger logger)
{
    public async Task<BootOverride> GetAsync(CancellationToken cancellationToken) =>
        Read((await service.GetSystemAsync(cancellationToken).ConfigureAwait(false)).Json);

    public static BootOverride Read(JsonElement system) => new()
    {
        Enabled = system.Str("Boot", "BootSourceOverrideEnabled") ?? "Disabled",
        Target = system.Str("Boot", "BootSourceOverrideTarget") ?? "None",
        Mode = system.Str("Boot", "BootSourceOverrideMode"),
        AllowedTargets = system.Strings("Boot", "BootSourceOverrideTarget@Redfish.AllowableValues"),
    };

    public async Task SetOnceAsync(BootTarget target, BootModeRequest mode, CancellationToken cancellationToken)
    {
        var system = await service.GetSystemAsync(cancellationToken).ConfigureAwait(false);
        var current = Read(system.Json);
        var targetName = target.ToString();
        if (current.AllowedTargets.Count > 0 && !current.AllowedTargets.Contains(targetName, StringComparer.OrdinalIgnoreCase))
            throw new BmcException($"{system.Uri} does not offer boot target {targetName} (offers {string.Join(", ", current.AllowedTargets)})", null, null, null, system.Uri) { Kind = BmcErrorKind.Unsupported };

        var wanted = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["BootSourceOverrideEnabled"] = target == BootTarget.None ? "Disabled" : "Once",
            ["BootSourceOverrideTarget"] = targetName,
        };
        // Mode only when asked and different: echoing it makes HPE reject the whole PATCH.
        if (mode != BootModeRequest.Unchanged)
        {
            var modeName = mode == BootModeRequest.Uefi ? "UEFI" : "Legacy";
            var allowedModes = system.Json.Strings("Boot", "BootSourceOverrideMode@Redfish.AllowableValues");
            if (allowedModes.Count > 0 && !allowedModes.Contains(modeName, StringComparer.OrdinalIgnoreCase))
                throw new BmcException($"{system.Uri} does not offer boot mode {modeName}", null, null, null, system.Uri) { Kind = BmcErrorKind.Unsupported };
            if (!string.Equals(current.Mode, modeName, StringComparison.OrdinalIgnoreCase)) wanted["BootSourceOverrideMode"] = modeName;
        }

        // Place each property on the resource that exposes it.
        RedfishResponse? settings = null;
        if (system.Json.Link("@Redfish.Settings", "SettingsObject") is { } settingsId)
            settings = await service.GetAsync(settingsId, cancellationToken).ConfigureAwait(false);
        var groups = wanted.GroupBy(p => settings is not null && Exposes(settings, p.Key) ? settings : system);
        foreach (var group in groups)
        {
            var patched = await PatchAsync(group.Key, group.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), cancellationToken).ConfigureAwait(false);
            Verify(patched, group, settings is not null && ReferenceEquals(group.Key, settings));
        }
    }

    private async Task<RedfishResponse> PatchAsync(RedfishResponse resource, Dictionary<string, string> boot, CancellationToken cancellationToken)
    {
        var body = new BootPatch(boot);
        var useEtag = service.Transport.Options.UseIfMatch;
        var response = await service.Transport.PatchAsync(resource.Uri, body, useEtag ? resource.ETag : null, cancellationToken).ConfigureAwait(false);
        if (response.Status is HttpStatusCode.PreconditionFailed or HttpStatusCode.PreconditionRequired)
        {
            Log.PreconditionRetry(logger, resource.Uri, (int)response.Status);
            var fresh = await service.Transport.GetAsync(resource.Uri, cancellationToken).ConfigureAwait(false);
            response = await service.Transport.PatchAsync(resource.Uri, body, fresh.ETag, cancellationToken).ConfigureAwait(false);
        }
        if (!response.IsSuccess) throw RedfishErrors.FromResponse(HttpMethod.Patch, resource.Uri, response.Status, response.Body);
        await TaskMonitor.CompleteAsync(service.Transport, response, logger, cancellationToken).ConfigureAwait(false);
        return await service.Transport.GetAsync(resource.Uri, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The resource carries the Boot property, even as null (Dell settings objects do).</summary>
    private static bool Exposes(RedfishResponse resource, string property) =>
        resource.Json.Prop("Boot") is { ValueKind: JsonValueKind.Object } boot && boot.TryGetProperty(property, out _);

    private static void Verify(RedfishResponse after, IEnumerable<KeyValuePair<string, string>> wanted, bool isSettings)
    {
        var wrong = wanted.Where(p => !string.Equals(after.Json.Str("Boot", p.Key), p.Value, StringComparison.OrdinalIgnoreCase))
            .Select(p => $"{p.Key}={after.Json.Str("Boot", p.Key) ?? "absent"} (wanted {p.Value})").ToList();
        if (wrong.Count == 0) return;
        throw new BmcException($"{after.Uri} accepted the boot override but did not apply it{(isSettings ? " to its settings object" : "")}: {string.Join(", ", wrong)}",
            (int)after.Status, null, after.Body, after.Uri)
        { Kind = BmcErrorKind.OverrideIgnored };
    }
}
