using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using NUnit.Framework;

namespace TestFarm.Testing.Ssh;

/// <summary>
/// A real OpenSSH server (Debian's <c>/usr/sbin/sshd</c>) on 127.0.0.1 and a free port, standing in for a farm machine: its own
/// host key, an authorized key the test generated (<see cref="ClientKey"/>), and a session PATH (sshd's <c>SetEnv</c>) that puts
/// stand-in <c>systemctl</c> and <c>crictl</c> scripts first. They record every call in <see cref="Calls"/> and answer like the
/// real tools: <c>systemctl</c> keeps the kubelet's state, <c>crictl ps -q</c> prints the ids of <see cref="SetContainers"/>
/// (filtered by <c>--namespace</c> regex), <c>crictl stop</c> removes and prints them. <see cref="Hang"/> makes the next calls
/// hang. Killed with its sessions on dispose; listens on loopback only.
/// </summary>
public sealed class TestSshd : IAsyncDisposable
{
    private const string SshdPath = "/usr/sbin/sshd";
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(15);
    private readonly TempDirectory _dir = new("tf-sshd");
    private Process? _process;

    private TestSshd() { }

    public int Port { get; private set; }
    /// <summary>A private key sshd accepts (mode 0600).</summary>
    public string ClientKey => _dir.File("client_ed25519");
    /// <summary>A private key sshd does not know.</summary>
    public string StrangerKey => _dir.File("stranger_ed25519");
    /// <summary>The server's current host key as known-hosts lists it: <c>ssh-ed25519 AAAA...</c>.</summary>
    public string HostPublicKey => string.Join(' ', File.ReadAllText(_dir.File("host_ed25519.pub")).Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(2));
    /// <summary>The login name: the user the tests run as.</summary>
    public string User => Environment.UserName;
    /// <summary>A folder of the test's own (known-hosts files), removed with the server.</summary>
    public string Scratch => Directory.CreateDirectory(_dir.File("scratch")).FullName;

    /// <summary>Every call of the stand-ins, one line each (<c>systemctl kill --signal=SIGKILL kubelet</c>).</summary>
    public IReadOnlyList<string> Calls => File.Exists(_dir.File("calls.log")) ? File.ReadAllLines(_dir.File("calls.log")) : [];

    /// <summary>The kubelet's state as the stand-in systemctl keeps it: active or inactive.</summary>
    public string KubeletState => File.Exists(_dir.File("kubelet")) ? File.ReadAllText(_dir.File("kubelet")).Trim() : "active";

    /// <summary>The running containers crictl lists: id and pod namespace.</summary>
    public void SetContainers(params (string Id, string Namespace)[] containers) =>
        File.WriteAllLines(_dir.File("containers"), containers.Select(c => $"{c.Id} {c.Namespace}"));

    public IReadOnlyList<string> RunningContainers => File.Exists(_dir.File("containers"))
        ? [.. File.ReadAllLines(_dir.File("containers")).Where(l => l.Length > 0).Select(l => l.Split(' ')[0])] : [];

    /// <summary>From now on every stand-in call hangs (a node that accepts the login and never answers), until the server is disposed.</summary>
    public void Hang() => File.WriteAllText(_dir.File("hang"), "");

    /// <summary>
    /// Starts sshd. Without sshd (Debian's openssh-server) or root the test is ignored saying so; under CI=true it fails, since
    /// scripts/install-deps.sh installs it and CI runs as root.
    /// </summary>
    public static async Task<TestSshd> StartAsync()
    {
        Require(File.Exists(SshdPath), $"{SshdPath} is missing: install Debian's openssh-server (scripts/install-deps.sh does)");
        Require(Environment.UserName == "root", "sshd's privilege separation needs root (the README's test command runs as root)");
        var sshd = new TestSshd();
        try
        {
            await sshd.PrepareAsync();
            await sshd.StartServerAsync();
            return sshd;
        }
        catch
        {
            await sshd.DisposeAsync();
            throw;
        }
    }

    /// <summary>Restarts sshd on the same port with a new host key (the machine was reimaged, or someone took its address).</summary>
    public async Task ReplaceHostKeyAsync()
    {
        await StopServerAsync();
        File.Delete(_dir.File("host_ed25519"));
        File.Delete(_dir.File("host_ed25519.pub"));
        await KeygenAsync("host_ed25519");
        await StartServerAsync(Port);
    }

    private async Task PrepareAsync()
    {
        Directory.CreateDirectory("/run/sshd"); // sshd's privilege separation folder; a systemd host makes it at boot
        await KeygenAsync("host_ed25519");
        await KeygenAsync("client_ed25519");
        await KeygenAsync("stranger_ed25519");
        File.WriteAllText(_dir.File("authorized_keys"), File.ReadAllText(ClientKey + ".pub"));
        var bin = Directory.CreateDirectory(_dir.File("bin")).FullName;
        WriteScript(Path.Combine(bin, "systemctl"), $$"""
            #!/bin/sh
            d='{{_dir.Path}}'
            echo "systemctl $*" >> "$d/calls.log"
            while [ -e "$d/hang" ]; do sleep 1; done
            case "$1" in
              kill|stop) echo inactive > "$d/kubelet" ;;
              start|restart) echo active > "$d/kubelet" ;;
              is-active) s=$(cat "$d/kubelet" 2>/dev/null || echo active); echo "$s"; [ "$s" = active ] ;;
            esac
            """);
        WriteScript(Path.Combine(bin, "crictl"), $$"""
            #!/bin/sh
            d='{{_dir.Path}}'
            echo "crictl $*" >> "$d/calls.log"
            while [ -e "$d/hang" ]; do sleep 1; done
            touch "$d/containers"
            case "$1" in
              ps)
                ns='.*'
                while [ $# -gt 0 ]; do [ "$1" = --namespace ] && ns="$2"; shift; done
                while read -r id n; do echo "$n" | grep -Eq -- "$ns" && echo "$id"; done < "$d/containers"
                ;;
              stop)
                shift
                for id in "$@"; do grep -v "^$id " "$d/containers" > "$d/containers.new"; mv "$d/containers.new" "$d/containers"; echo "$id"; done
                ;;
            esac
            exit 0
            """);
        File.WriteAllText(_dir.File("sshd_config"), $"""
            HostKey {_dir.File("host_ed25519")}
            AuthorizedKeysFile {_dir.File("authorized_keys")}
            PidFile none
            UsePAM no
            StrictModes no
            PubkeyAuthentication yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitRootLogin prohibit-password
            AllowTcpForwarding no
            X11Forwarding no
            SetEnv PATH={bin}:/usr/sbin:/usr/bin:/sbin:/bin

            """);
    }

    private async Task StartServerAsync(int port = 0)
    {
        for (var attempt = 0; ; attempt++)
        {
            var chosen = port != 0 ? port : FreePort();
            var psi = new ProcessStartInfo(SshdPath) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in new[] { "-D", "-e", "-f", _dir.File("sshd_config"), "-o", $"ListenAddress=127.0.0.1:{chosen}" }) psi.ArgumentList.Add(a);
            var process = Process.Start(psi)!;
            var listening = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var log = new List<string>();
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is null) { listening.TrySetResult(false); return; }
                lock (log) { if (log.Count < 200) log.Add(e.Data); }
                if (e.Data.StartsWith("Server listening on 127.0.0.1 port", StringComparison.Ordinal)) listening.TrySetResult(true);
            };
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            bool up;
            try { up = await listening.Task.WaitAsync(StartLimit); }
            catch (TimeoutException) { up = false; }
            if (up)
            {
                _process = process;
                Port = chosen;
                return;
            }
            Kill(process);
            if (attempt >= 2 || port != 0)
            {
                lock (log) Assert.Fail($"sshd did not start listening on 127.0.0.1:{chosen} within {StartLimit.TotalSeconds:0}s: {string.Join(" | ", log)}");
            }
        }
    }

    private async Task StopServerAsync()
    {
        if (_process is null) return;
        Kill(_process);
        await _process.WaitForExitAsync().WaitAsync(StartLimit);
        _process.Dispose();
        _process = null;
    }

    private static void Kill(Process process)
    {
        try { process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { } // already gone
    }

    private async Task KeygenAsync(string name)
    {
        var psi = new ProcessStartInfo("ssh-keygen") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-q", "-t", "ed25519", "-N", "", "-C", $"testfarm-{name}", "-f", _dir.File(name) }) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(StartLimit);
        if (process.ExitCode != 0) Assert.Fail($"ssh-keygen {name} exited {process.ExitCode}: {await error}");
    }

    private static void WriteScript(string path, string text)
    {
        File.WriteAllText(path, text.ReplaceLineEndings("\n") + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static void Require(bool ok, string why)
    {
        if (ok) return;
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)) Assert.Fail(why + " (CI must run this test)");
        Assert.Ignore(why);
    }

    public async ValueTask DisposeAsync()
    {
        await StopServerAsync();
        _dir.Dispose();
    }
}
