using System.Text;
using System.Text.Json.Nodes;
using TestFarm.Core.Hardware;
using TestFarm.Lab.Bmc;
using TestFarm.Lab.Machines;

namespace TestFarm.Lab.Agent;

/// <summary>
/// What the lab image's agent does, done by a simulated machine: when it network-boots it fetches its iPXE
/// script from <c>bootUrl?mac=</c> (the URL the QEMU machines' iPXE chains to, e.g. the farm's <c>/boot/v1/ipxe</c>), reads the agent's kernel parameters from it, reports the hardware it has
/// (pulled drives and missing NICs left out, as real hardware would show them) once the machine's OS runs, then polls
/// for actions and answers a wipe, or a kexec into the next build (fast track), until it is powered off. Only simulated machines need it: QEMU machines run the real agent.
/// </summary>
public sealed class SimulatedAgent(VirtualBmc machine, Uri bootUrl, HttpClient http, TimeProvider time)
{
    /// <summary>How often the agent asks for an action, as the lab image does.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Runs one boot: returns when the machine is powered off, the farm has nothing for it, or on cancellation.</summary>
    public async Task RunBootAsync(CancellationToken cancellationToken)
    {
        var script = await GetAsync($"{FromLabNetwork(bootUrl.ToString())}?mac={Uri.EscapeDataString(machine.ProvisioningMac)}", cancellationToken);
        if (script is null) return; // no boot pending for this machine: it would sit at the iPXE prompt
        var args = KernelArguments(script);
        if (!args.TryGetValue("testfarm.url", out var guestUrl) || !args.TryGetValue("testfarm.token", out var token)) return;
        var url = FromLabNetwork(guestUrl).TrimEnd('/');
        await RunningAsync(cancellationToken); // the agent calls back once the kernel it was given has booted
        using var booted = await http.PostAsync($"{url}/agent/v1/booted",
            new StringContent(BootedReport(token, args.GetValueOrDefault("testfarm.build", "")), Encoding.UTF8, "application/json"), cancellationToken);
        if (!booted.IsSuccessStatusCode) return;
        var session = (await booted.Content.ReadAsStringAsync(cancellationToken)).Trim().Split(' ').LastOrDefault();
        while (!cancellationToken.IsCancellationRequested && machine.Backend.PowerState == MachinePowerState.On)
        {
            var action = await GetAsync($"{url}/agent/v1/action?session={session}", cancellationToken);
            var words = (action ?? "").Trim().Split(' ', 2);
            if (words[0] == "wipe" && words.Length == 2) await PostCleanedAsync(url, words[1], cancellationToken);
            else if (words[0] == "kexec" && words.Length == 2 && await KexecAsync(url, words[1], cancellationToken)) return;
            else if (words[0] == "poweroff" || action is null) return;
            await Task.Delay(PollInterval, time, cancellationToken);
        }
    }

    /// <summary>
    /// Fast track, as the lab image's agent does it: fetch this machine's pending boot script by MAC (the farm sees the
    /// network boot reached), take its kernel and initrd, and kexec: the machine boots the new kernel with no power cycle
    /// and no POST (<see cref="SimulatedMachine.KexecAsync"/>, the profile's OS boot time), and the agent that the new
    /// kernel starts calls back with the script's token. False (reported to the farm) when there was nothing to boot.
    /// </summary>
    private async Task<bool> KexecAsync(string url, string token, CancellationToken cancellationToken)
    {
        var script = await GetAsync($"{FromLabNetwork(bootUrl.ToString())}?mac={Uri.EscapeDataString(machine.ProvisioningMac)}", cancellationToken);
        var args = script is null ? null : KernelArguments(script);
        string? problem = script is null ? "kexec: no pending boot for this machine"
            : args!.ContainsKey("testfarm.token") ? null : "kexec: the boot script names no kernel to load";
        if (problem is null && machine.Backend is SimulatedMachine simulated)
        {
            await simulated.KexecAsync(cancellationToken);
            return true;
        }
        await PostActionReportAsync(url, token, [], [problem ?? "kexec: this machine cannot kexec"], cancellationToken);
        return false;
    }

    /// <summary>Completes once the simulated machine runs its OS (at once for other backends).</summary>
    private async Task RunningAsync(CancellationToken cancellationToken)
    {
        if (machine.Backend is not SimulatedMachine simulated) return;
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChanged(SimulatedMachine m)
        {
            if (m.Phase == MachinePhase.Running) running.TrySetResult();
        }
        simulated.Changed += OnChanged;
        try
        {
            OnChanged(simulated);
            await running.Task.WaitAsync(cancellationToken);
        }
        finally { simulated.Changed -= OnChanged; }
    }

    private async Task PostCleanedAsync(string url, string token, CancellationToken cancellationToken)
    {
        await PostActionReportAsync(url, token, [.. machine.VisibleDrives.Select(d => d.LinuxDevice)], [], cancellationToken);
    }

    /// <summary>An action's report (<c>/agent/v1/cleaned</c>): what was done, and what failed and why.</summary>
    private async Task PostActionReportAsync(string url, string token, IReadOnlyList<string> wiped, IReadOnlyList<string> failed, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["token"] = token,
            ["wiped"] = new JsonArray([.. wiped.Select(d => (JsonNode)d)]),
            ["failed"] = new JsonArray([.. failed.Select(d => (JsonNode)d)]),
        };
        using var response = await http.PostAsync($"{url}/agent/v1/cleaned",
            new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"), cancellationToken);
    }

    /// <summary>The report the lab image's agent sends, built from what this machine shows.</summary>
    public string BootedReport(string token, string buildId)
    {
        var nics = machine.VisibleNics.Where(n => !machine.IsNicDown(n.Id)).ToList();
        var cores = machine.Inventory.Cpus.Sum(c => c.Cores);
        return new JsonObject
        {
            ["token"] = token,
            ["buildId"] = buildId,
            ["macs"] = new JsonArray([.. nics.Select(n => (JsonNode)n.Mac)]),
            ["cpu"] = new JsonObject { ["count"] = cores, ["sockets"] = machine.Inventory.Cpus.Count },
            ["memoryKiB"] = machine.Inventory.Dimms.Sum(d => (long)d.CapacityMiB) * 1024,
            ["nics"] = new JsonArray([.. nics.Select((n, i) => (JsonNode)new JsonObject
            {
                ["name"] = $"eth{i}", ["mac"] = n.Mac, ["driver"] = n.Driver, ["speedMbps"] = n.SpeedMbps,
            })]),
            ["disks"] = new JsonArray([.. machine.VisibleDrives.Select(d => (JsonNode)new JsonObject
            {
                ["name"] = d.LinuxDevice, ["sizeBytes"] = d.CapacityBytes, ["rotational"] = d.Kind == StorageKind.Hdd,
            })]),
        }.ToJsonString();
    }

    /// <summary>
    /// A URL as a machine on the lab network sees the farm, made reachable from this process: simulated
    /// machines share the network of the QEMU machines, where 10.0.2.2 is the host's loopback (QEMU user
    /// networking), so a farm that serves QEMU machines too hands out 10.0.2.2 URLs.
    /// </summary>
    public static string FromLabNetwork(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Host != "10.0.2.2") return url;
        return new UriBuilder(uri) { Host = "127.0.0.1" }.Uri.ToString();
    }

    /// <summary>The <c>key=value</c> words of the script's <c>kernel</c> line.</summary>
    public static IReadOnlyDictionary<string, string> KernelArguments(string script)
    {
        var kernel = script.Split('\n').FirstOrDefault(l => l.StartsWith("kernel ", StringComparison.Ordinal)) ?? "";
        return kernel.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(w => w.Split('=', 2)).Where(kv => kv.Length == 2)
            .GroupBy(kv => kv[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last()[1], StringComparer.Ordinal);
    }

    private async Task<string?> GetAsync(string url, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(url, cancellationToken);
        return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync(cancellationToken) : null;
    }

}
