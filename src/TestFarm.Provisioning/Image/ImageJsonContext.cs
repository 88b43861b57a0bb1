using System.Text.Json;
using System.Text.Json.Serialization;
using TestFarm.Core.Provisioning;

namespace TestFarm.Provisioning.Image;

/// <summary>JSON of image manifests (<c>image.json</c>): camelCase, enums as strings.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BootImage))]
public sealed partial class ImageJsonContext : JsonSerializerContext;
