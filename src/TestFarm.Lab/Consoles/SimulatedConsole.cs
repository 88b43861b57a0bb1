using System.Text;
using TestFarm.Core.Hardware;
using TestFarm.Core.Machines;
using TestFarm.Lab.Machines;

namespace TestFarm.Lab.Consoles;

/// <summary>
/// The line-oriented serial console of a simulated machine: firmware and kernel lines as it powers on and boots, a shell prompt
/// once it runs, and a few commands answered as the lab image's busybox shell would (<c>uname -a</c>, <c>uname</c>,
/// <c>hostname</c>, <c>echo</c>); input is echoed as a terminal does. It takes input only while the machine is on.
/// </summary>
public sealed class SimulatedConsole : IMachineConsole
{
    /// <summary>The longest line kept while it is being typed; the rest of a longer line is dropped.</summary>
    private const int MaxLine = 4096;
    private const string Prompt = "~ # ";

    private readonly Lock _gate = new();
    private readonly SimulatedMachine _machine;
    private readonly string _hostname;
    private readonly string _arch;
    private readonly string _board;
    private readonly StringBuilder _line = new();
    private MachinePowerState _power = MachinePowerState.Off;
    private MachinePhase _phase = MachinePhase.Off;

    public SimulatedConsole(SimulatedMachine machine, string hostname, HardwareProfile profile, ConsoleBuffer? buffer = null)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(profile);
        _machine = machine;
        _hostname = hostname;
        _arch = profile.Arch == CpuArchitecture.Arm64 ? "aarch64" : "x86_64";
        _board = $"{profile.Cpu.Vendor} {profile.Cpu.Model}";
        Output = buffer ?? new ConsoleBuffer(64 * 1024);
        machine.Changed += OnChanged;
        OnChanged(machine);
    }

    public ConsoleBuffer Output { get; }

    public string Recent(int maxChars) => Output.Recent(maxChars);

    public ConsoleFollow Follow(int recentChars, CancellationToken ct) => Output.Follow(recentChars, ct);

    public ValueTask WriteAsync(ReadOnlyMemory<byte> input, CancellationToken ct)
    {
        var text = Encoding.UTF8.GetString(input.Span);
        lock (_gate)
        {
            if (_machine.PowerState == MachinePowerState.Off)
                throw new ConsoleUnavailableException($"machine {_hostname} is powered off: its console takes no input (power it on first)");
            // Before the shell runs, typed characters go nowhere (as on a real serial line during POST and boot).
            if (_machine.Phase != MachinePhase.Running) return ValueTask.CompletedTask;
            foreach (var c in text)
            {
                if (c is '\r' or '\n') { Run(); continue; }
                if (c is '\b' or '\u007f') { if (_line.Length > 0) { _line.Length--; Output.Append("\b \b"); } continue; }
                if (c == '\u0003') { _line.Clear(); Output.Append("^C\r\n" + Prompt); continue; }
                if (char.IsControl(c) || _line.Length >= MaxLine) continue;
                _line.Append(c);
                Output.Append(c.ToString());
            }
        }
        return ValueTask.CompletedTask;
    }

    private void Run()
    {
        var command = _line.ToString().Trim();
        _line.Clear();
        Output.Append("\r\n" + Answer(command) + Prompt);
    }

    private string Answer(string command)
    {
        var words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0) return "";
        return words[0] switch
        {
            "uname" when words.Skip(1).SequenceEqual(["-a"]) => $"Linux {_hostname} 6.1.0-lab #1 SMP PREEMPT_DYNAMIC Debian 6.1.0-lab (simulated) {_arch} GNU/Linux\r\n",
            "uname" when words.Length == 1 => "Linux\r\n",
            "uname" when words.Skip(1).SequenceEqual(["-m"]) => _arch + "\r\n",
            "hostname" when words.Length == 1 => _hostname + "\r\n",
            "echo" => string.Join(' ', words.Skip(1)) + "\r\n",
            "true" or "sync" => "",
            _ => $"sh: {words[0]}: not found\r\n",
        };
    }

    /// <summary>Writes the lines of each move of the machine: power on and POST, booting, the shell, power off.</summary>
    private void OnChanged(SimulatedMachine machine)
    {
        lock (_gate)
        {
            var (power, phase) = (machine.PowerState, machine.Phase);
            if (power == _power && phase == _phase) return;
            var wasUp = _power != MachinePowerState.Off;
            if (wasUp && (phase == MachinePhase.Post || power == MachinePowerState.Off))
                Output.Append(power == MachinePowerState.Off ? "\r\nreboot: Power down\r\n" : "\r\nreboot: Restarting system\r\n");
            if (phase == MachinePhase.Post && _phase != MachinePhase.Post)
                Output.Append($"\r\n[firmware] {_board}: power on self test\r\n");
            if (phase == MachinePhase.Booting && _phase != MachinePhase.Booting)
                Output.Append($"[firmware] booting from {machine.CurrentBoot}\r\n[    0.000000] Linux version 6.1.0-lab (simulated) {_arch}\r\n");
            if (phase == MachinePhase.Running && _phase != MachinePhase.Running)
            {
                _line.Clear();
                Output.Append($"testfarm-agent: machine {_hostname} up\r\n\r\n{Prompt}");
            }
            _power = power;
            _phase = phase;
        }
    }
}
