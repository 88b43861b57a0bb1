using TestFarm.Core.Bmc;
using TestFarm.Core.Machines;
using TestFarm.Core.Provisioning;
using TestFarm.Server.Dashboard.Pages;
using TestFarm.Testing;

namespace TestFarm.Server.Tests.Dashboard;

/// <summary>The machine page's last inspection: read back from the drift texts the farm records, the newer source winning.</summary>
public sealed class InventoryPanelTests
{
    private static readonly DateTimeOffset T0 = FakeTimeProviderExtensions.Start;

    [Test]
    public void Drift_items_are_read_back_from_a_reimage_failure_as_the_farm_words_it()
    {
        DriftItem[] drift = [new("memory", "384 GiB", "256 GiB"), new("nics.driver ice", "2 ports", "1 ports"), new("provisioning mac", "aa:bb", "cc:dd,ee:ff")];
        var reason = $"reservation r-1: reimage failed in verify: {string.Join("; ", drift)}";
        Assert.That(InventoryPanel.Parse(reason), Is.EqualTo(drift));
        Assert.That(InventoryPanel.Parse("cleaning failed: BMC did not answer"), Is.Empty);
    }

    [Test]
    public void The_newer_of_a_health_round_and_a_reimage_drift_is_the_last_inspection()
    {
        var round = new HealthRecord { MachineId = "m", At = T0, Health = MachineHealth.Healthy, Checks = [new HealthCheckResult("inventory", true)] };
        var suspect = new AuditEvent { Seq = 7, At = T0.AddMinutes(5), Kind = "machine", Subject = "m", From = "Provisioning", To = "Suspect", Reason = "reimage failed in verify: cpu.cores: expected 64, observed 32" };
        var last = InventoryPanel.Last([round], [suspect]);
        Assert.That(last!.At, Is.EqualTo(T0.AddMinutes(5)));
        Assert.That(last.Drift, Is.EqualTo(new[] { new DriftItem("cpu.cores", "64", "32") }));

        var later = round with { At = T0.AddMinutes(9) };
        Assert.That(InventoryPanel.Last([later], [suspect])!.Drift, Is.Empty, "a passed inventory check after it: as declared again");
        Assert.That(InventoryPanel.Last([], []), Is.Null);
    }
}
