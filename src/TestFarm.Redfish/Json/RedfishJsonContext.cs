using System.Text.Json.Serialization;
using TestFarm.Redfish.Inspect;

namespace TestFarm.Redfish.Json;

public sealed record SessionCreateRequest(string UserName, string Password);

public sealed record ResetRequest(string ResetType);

public sealed record InsertMediaRequest
{
    public required string Image { get; init; }
    public bool Inserted { get; init; } = true;
    public bool WriteProtected { get; init; } = true;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TransferProtocolType { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TransferMethod { get; init; }
}

public sealed record EmptyRequest;

/// <summary>A PATCH of Boot properties: <c>{"Boot": {"BootSourceOverrideTarget": "Pxe", ...}}</c>.</summary>
public sealed record BootPatch(Dictionary<string, string> Boot);

/// <summary>Source-generated JSON for the bodies the client sends and the report it prints.</summary>
[JsonSourceGenerationOptions(WriteIndented = false)]
[JsonSerializable(typeof(SessionCreateRequest))]
[JsonSerializable(typeof(ResetRequest))]
[JsonSerializable(typeof(InsertMediaRequest))]
[JsonSerializable(typeof(EmptyRequest))]
[JsonSerializable(typeof(BootPatch))]
internal sealed partial class RedfishJsonContext : JsonSerializerContext;

/// <summary>The inspect report, camelCase as the CLI prints it.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(InspectReport))]
public sealed partial class InspectJsonContext : JsonSerializerContext;
