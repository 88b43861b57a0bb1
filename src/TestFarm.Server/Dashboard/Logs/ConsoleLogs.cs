using TestFarm.Server.Hosting;
using TestFarm.Server.Reports;

namespace TestFarm.Server.Dashboard.Logs;

/// <summary>
/// Where a machine's serial console log is kept: the lab's QEMU machines write <c>&lt;data&gt;/lab/&lt;machine&gt;/console.log</c>
/// (the data folder's <c>lab/</c>, as <c>lab nightly</c> and <c>serve --lab</c> lay it out). Null when there is none.
/// </summary>
internal sealed class ConsoleLogs(FarmServerOptions options)
{
    public string? PathFor(string machineId)
    {
        if (options.DataDirectory is not { } data || RunPaths.RunIdRefusal(machineId) is not null) return null;
        var path = Path.Combine(data, "lab", machineId, "console.log");
        return File.Exists(path) ? path : null;
    }
}
