using System.Text.Json.Serialization;
using TestFarm.Core.Provisioning;
using TestFarm.Core.Results;
using TestFarm.Core.Scheduling;

namespace TestFarm.Storage.Sql;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(ReservationRequest))]
[JsonSerializable(typeof(CellResult))]
[JsonSerializable(typeof(TestFarm.Core.HandsOn.HandsOnReservation))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(HealthCheckResult[]))]
[JsonSerializable(typeof(TestFarm.Core.Bmc.ObservedHardware))]
internal sealed partial class StorageJson : JsonSerializerContext
{
    /// <summary>A lease's machines as stored in <c>leases.machines</c>: a JSON array of ids (sorted by the writer).</summary>
    public static string MachineIds(IReadOnlyList<string> ids) => System.Text.Json.JsonSerializer.Serialize([.. ids], Default.StringArray);

    /// <summary>The ids of <c>leases.machines</c>; none for a lease stored without them.</summary>
    public static IReadOnlyList<string> MachineIds(string? json) =>
        json is null ? [] : System.Text.Json.JsonSerializer.Deserialize(json, Default.StringArray) ?? [];
}
