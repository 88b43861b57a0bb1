using TestFarm.Lab.LabHost;
using TestFarm.Scenarios.Chaos;

namespace TestFarm.Lab.Backend;

/// <summary>Hardware faults a chaos step asks for, done on the lab's machines.</summary>
internal sealed class LabFaultsAdapter(VirtualLab lab) : ILabFaults
{
    public async Task SetNicLinkAsync(string machineId, string nic, bool up, CancellationToken cancellationToken = default)
    {
        if (!await lab[machineId].SetNicLinkAsync(nic, up, cancellationToken))
            throw new InvalidOperationException($"lab machine {machineId} has no NIC '{nic}'");
    }

    public Task PullDriveAsync(string machineId, string drive, CancellationToken cancellationToken = default) =>
        SetDrive(machineId, drive, pulled: true);

    public Task InsertDriveAsync(string machineId, string drive, CancellationToken cancellationToken = default) =>
        SetDrive(machineId, drive, pulled: false);

    private Task SetDrive(string machineId, string drive, bool pulled) =>
        lab[machineId].SetDrivePulled(drive, pulled)
            ? Task.CompletedTask
            : throw new InvalidOperationException($"lab machine {machineId} has no drive '{drive}'");
}
