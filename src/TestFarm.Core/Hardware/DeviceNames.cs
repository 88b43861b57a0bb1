namespace TestFarm.Core.Hardware;

/// <summary>
/// The Linux block device names a profile's drives get, in declaration order: NVMe drives as
/// <c>nvme0n1, nvme1n1…</c>, SATA/SAS drives as <c>sda, sdb…</c>. Rook's OSD list and the lab's
/// simulated nodes both use these, so they agree on which drive is which.
/// </summary>
public static class DeviceNames
{
    public static IReadOnlyList<(string Device, StorageSpec Storage)> Of(HardwareProfile profile)
    {
        var devices = new List<(string, StorageSpec)>();
        var nvme = 0;
        var sd = 0;
        foreach (var storage in profile.Storage)
        {
            for (var i = 0; i < storage.Count; i++)
            {
                devices.Add((storage.Kind == StorageKind.Nvme ? $"nvme{nvme++}n1" : "sd" + (char)('a' + sd++), storage));
            }
        }
        return devices;
    }

    /// <summary>The devices of the profile's <c>rook-osd</c> drives.</summary>
    public static IReadOnlyList<string> RookOsd(HardwareProfile profile) =>
        [.. Of(profile).Where(d => d.Storage.Role == StorageRole.RookOsd).Select(d => d.Device)];
}
