using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace TestFarm.Lab.Bmc;

/// <summary>
/// PATCH of the ComputerSystem: only the boot override is writable. Every wrong property is
/// reported (PropertyNotWritable, PropertyUnknown, PropertyValueNotInList) and nothing is applied;
/// a stale <c>If-Match</c> gets 412.
/// </summary>
internal static class SystemPatch
{
    private static readonly HashSet<string> ReadOnly = new(StringComparer.Ordinal)
    {
        "@odata.id", "@odata.type", "@odata.etag", "@odata.context", "Id", "Name", "SystemType", "Manufacturer", "Model",
        "SerialNumber", "UUID", "HostName", "BiosVersion", "PowerState", "Status", "ProcessorSummary", "MemorySummary",
        "Processors", "Memory", "EthernetInterfaces", "Storage", "Links", "Actions",
    };

    private static readonly Dictionary<string, IReadOnlyList<string>> BootWritable = new(StringComparer.Ordinal)
    {
        ["BootSourceOverrideEnabled"] = RedfishResources.BootEnabledValues,
        ["BootSourceOverrideTarget"] = RedfishResources.BootTargetValues,
        ["BootSourceOverrideMode"] = RedfishResources.BootModeValues,
    };

    public static async Task<IResult> HandleAsync(HttpContext c)
    {
        var bmc = c.Bmc();
        var (body, error) = await JsonBody.ReadObjectAsync(c).ConfigureAwait(false);
        if (error is not null) return error;
        var ifMatch = c.Request.Headers.IfMatch.ToString();
        if (ifMatch.Length > 0 && ifMatch != "*" && !ifMatch.Split(',').Select(e => e.Trim()).Any(e => e == bmc.ETag || e == "W/" + bmc.ETag))
            return RedfishErrors.Error(StatusCodes.Status412PreconditionFailed, "PreconditionFailed",
                $"The ETag supplied did not match the ETag required to change this resource (current {bmc.ETag}, given {ifMatch}).");

        var problems = new List<JsonObject>();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, node) in body!)
        {
            if (name == "Boot" && node is JsonObject boot)
            {
                foreach (var (bootName, bootNode) in boot) Check("Boot/" + bootName, bootName, bootNode, problems, values);
            }
            else if (ReadOnly.Contains(name) || name == "Boot")
            {
                problems.Add(RedfishErrors.Message("PropertyNotWritable", $"The property {name} is a read only property and cannot be assigned a value.", "Warning", name));
            }
            else
            {
                problems.Add(RedfishErrors.Message("PropertyUnknown", $"The property {name} is not in the list of valid properties for the resource.", "Warning", name));
            }
        }
        if (problems.Count > 0)
            return RedfishErrors.Error(StatusCodes.Status400BadRequest, "GeneralError", "The PATCH request was not applied; see @Message.ExtendedInfo.", [.. problems]);
        if (values.Count == 0)
            return RedfishErrors.Error(StatusCodes.Status400BadRequest, "PropertyMissing", "The PATCH request named no writable property.");

        bmc.SetBootOverride(values.GetValueOrDefault("BootSourceOverrideEnabled"), values.GetValueOrDefault("BootSourceOverrideTarget"),
            values.GetValueOrDefault("BootSourceOverrideMode"));
        var result = RedfishResources.System(bmc);
        result["@Message.ExtendedInfo"] = new JsonArray(RedfishErrors.Message("Success", "The request completed successfully.", "OK"));
        return new RedfishResult(result, etag: bmc.ETag);
    }

    private static void Check(string path, string name, JsonNode? node, List<JsonObject> problems, Dictionary<string, string> values)
    {
        if (!BootWritable.TryGetValue(name, out var allowed))
        {
            var id = name.EndsWith("@Redfish.AllowableValues", StringComparison.Ordinal) ? "PropertyNotWritable" : "PropertyUnknown";
            problems.Add(RedfishErrors.Message(id, $"The property {path} cannot be assigned a value here.", "Warning", path));
            return;
        }
        var text = node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        if (text is null || !allowed.Contains(text))
        {
            var shown = node?.ToJsonString() ?? "null";
            problems.Add(RedfishErrors.Message("PropertyValueNotInList",
                $"The value {shown} for the property {path} is not in the list of acceptable values: {string.Join(", ", allowed)}.", "Warning", shown, path));
            return;
        }
        values[name] = text;
    }
}
