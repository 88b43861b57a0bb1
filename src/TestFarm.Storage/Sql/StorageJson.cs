using System.Text.Json.Serialization;
using TestFarm.Core.Results;
using TestFarm.Core.Scheduling;

namespace TestFarm.Storage.Sql;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(ReservationRequest))]
[JsonSerializable(typeof(CellResult))]
internal sealed partial class StorageJson : JsonSerializerContext;
