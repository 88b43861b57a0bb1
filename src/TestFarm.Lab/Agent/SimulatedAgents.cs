using System.Collections.Concurrent;
using TestFarm.Lab.Bmc;
using TestFarm.Lab.Machines;

namespace TestFarm.Lab.Agent;

/// <summary>
/// Starts a <see cref="SimulatedAgent"/> each time a simulated machine network-boots, and stops it when the
/// machine powers off or boots again.
/// </summary>
internal sealed class SimulatedAgents : IAsyncDisposable
{
#pragma warning disable RS0030 // The simulated machines' own HTTP stack (their agents), not the farm's client.
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
#pragma warning restore RS0030
    private readonly ConcurrentDictionary<string, (CancellationTokenSource Stop, Task Run)> _runs = new(StringComparer.Ordinal);
    private readonly Uri _bootUrl;
    private readonly TimeProvider _time;

    public SimulatedAgents(IEnumerable<VirtualBmc> machines, Uri bootUrl, TimeProvider time)
    {
        _bootUrl = bootUrl;
        _time = time;
        foreach (var bmc in machines)
        {
            if (bmc.Backend is SimulatedMachine simulated) simulated.Changed += m => OnChanged(bmc, m);
        }
    }

    private void OnChanged(VirtualBmc bmc, SimulatedMachine machine)
    {
        var booting = machine.Phase == MachinePhase.Booting && machine.CurrentBoot == BootDevice.Pxe;
        if (!booting && machine.Phase != MachinePhase.Off) return;
        if (_runs.TryRemove(bmc.Id, out var previous)) previous.Stop.Cancel();
        if (!booting) return;
        var stop = new CancellationTokenSource();
        var agent = new SimulatedAgent(bmc, _bootUrl, _http, _time);
        _runs[bmc.Id] = (stop, Task.Run(() => RunQuietlyAsync(agent, stop.Token)));
    }

    private static async Task RunQuietlyAsync(SimulatedAgent agent, CancellationToken cancellationToken)
    {
        // A machine whose farm is unreachable behaves like one: it does not call back, and the farm's
        // network-boot or callback deadline says so.
        try { await agent.RunBootAsync(cancellationToken); }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException) { }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, (stop, run)) in _runs)
        {
            await stop.CancelAsync();
            await run;
            stop.Dispose();
        }
        _http.Dispose();
    }
}
