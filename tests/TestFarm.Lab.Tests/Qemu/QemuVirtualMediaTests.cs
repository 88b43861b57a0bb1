using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using TestFarm.Lab.Bmc;
using TestFarm.Lab.LabHost;
using TestFarm.Lab.Machines;
using TestFarm.Testing;

namespace TestFarm.Lab.Tests.Qemu;

/// <summary>
/// Virtual media on a QEMU machine: the inserted image is downloaded and attached as the CD, and a
/// one-time Cd override makes SeaBIOS boot from it. (No ISO tool is installed here, so the image is
/// not bootable: the test shows the CD path up to SeaBIOS trying it.)
/// </summary>
public sealed class QemuVirtualMediaTests
{
    [Test]
    public async Task Cd_once_with_inserted_media_attaches_the_downloaded_image_and_boots_from_cd()
    {
        if (!QemuOptions.IsAvailable()) Assert.Ignore("qemu-system-x86_64 is missing: QEMU virtual media was NOT checked");
        var downloads = 0;
        await using var images = await LoopbackServer.StartAsync(app =>
            app.MapGet("/boot.iso", () => { Interlocked.Increment(ref downloads); return Results.Bytes(new byte[64 * 1024], "application/octet-stream"); }));
        var imageUrl = new Uri(images.Address, "/boot.iso");

        await using var lab = await VirtualLab.StartAsync(new LabOptions { SimulatedMachines = 0, QemuMachines = 1, Password = "lab-secret" }, [], TimeProvider.System);
        var machine = lab["qemu-01"];
        using var http = LabHttp.Client(machine.Url);
        var insert = await http.PostAsync($"{VirtualBmc.RootPath}/Managers/BMC/VirtualMedia/Cd/Actions/VirtualMedia.InsertMedia", LabHttp.Json($$"""{"Image":"{{imageUrl}}"}"""));
        Assert.That(insert.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        await http.PatchAsync($"{VirtualBmc.RootPath}/Systems/1", LabHttp.Json("""{"Boot":{"BootSourceOverrideTarget":"Cd","BootSourceOverrideEnabled":"Once"}}"""));
        var on = await http.PostAsync($"{VirtualBmc.RootPath}/Systems/1/Actions/ComputerSystem.Reset", LabHttp.Json("""{"ResetType":"On"}"""));
        Assert.That(on.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        var qemu = (QemuMachine)machine.Backend;
        Assert.That(downloads, Is.EqualTo(1));
        Assert.That(qemu.CurrentBoot, Is.EqualTo(BootDevice.Cd));
        Assert.That(qemu.LastArguments, Does.Contain("-cdrom").And.Contain("order=d"));
        var polling = System.Diagnostics.Stopwatch.StartNew(); // a real QEMU process: poll its console with a deadline
        var console = "";
        while (!console.Contains("CD", StringComparison.Ordinal) && polling.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(200);
            console = await ReadSharedAsync(qemu.ConsoleLogPath);
        }
        Assert.That(console, Does.Contain("Booting from DVD/CD"));
    }

    private static async Task<string> ReadSharedAsync(string path)
    {
        if (!File.Exists(path)) return "";
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }
}
