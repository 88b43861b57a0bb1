using System.Text.Json;
using System.Text.Json.Serialization;
using TestFarm.Lab.Bmc;

namespace TestFarm.Lab.LabHost;

/// <summary>Source-generated JSON for the lab's admin API.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = false)]
[JsonSerializable(typeof(FaultSettings))]
[JsonSerializable(typeof(LabMachineInfo))]
[JsonSerializable(typeof(List<LabMachineInfo>))]
[JsonSerializable(typeof(Microsoft.AspNetCore.Mvc.ProblemDetails))]
[JsonSerializable(typeof(Microsoft.AspNetCore.Http.HttpValidationProblemDetails))]
public sealed partial class LabJsonContext : JsonSerializerContext;
