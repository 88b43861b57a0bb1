using TestFarm.Core.Time;
using System.Diagnostics;

namespace TestFarm.Kubernetes.Deploy;

/// <summary>An external command: program, arguments, working folder, environment, time limit, secrets to hide in logs.</summary>
public sealed record ProcessSpec
{
    public required string FileName { get; init; }
    public IReadOnlyList<string> Arguments { get; init; } = [];
    public string? WorkingDirectory { get; init; }
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Values replaced by "***" wherever the command or its output is shown or kept.</summary>
    public IReadOnlyList<string> Secrets { get; init; } = [];

    public string Redact(string text) => Secrets.Where(s => s.Length > 0).Aggregate(text, (t, s) => t.Replace(s, "***", StringComparison.Ordinal));

    /// <summary>The command line as shown to people (secrets hidden).</summary>
    public string Display => Redact(string.Join(' ', new[] { FileName }.Concat(Arguments.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"'{a}'" : a))));
}

public sealed record ProcessResult(int ExitCode, TimeSpan Duration);

/// <summary>Runs external tools (ansible-playbook, ssh, talosctl); every output line goes to <c>onLine</c>.</summary>
public interface IProcessRunner
{
    Task<ProcessResult> RunAsync(ProcessSpec spec, Action<string> onLine, CancellationToken cancellationToken = default);
}

/// <summary>The real runner: starts the process, streams stdout and stderr lines, kills it at the time limit.</summary>
public sealed class ProcessRunner : IProcessRunner
{
    private readonly TimeProvider _time;

    public ProcessRunner(TimeProvider time) => _time = time;

    public async Task<ProcessResult> RunAsync(ProcessSpec spec, Action<string> onLine, CancellationToken cancellationToken = default)
    {
        var psi = new ProcessStartInfo(spec.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = spec.WorkingDirectory ?? "",
        };
        foreach (var a in spec.Arguments) psi.ArgumentList.Add(a);
        foreach (var (k, v) in spec.Environment) psi.Environment[k] = v;
        var started = _time.GetTimestamp();
        using var process = new Process { StartInfo = psi };
        var gate = new Lock();
        void Emit(string? line)
        {
            if (line is null) return;
            lock (gate) { onLine(spec.Redact(line)); }
        }
        process.OutputDataReceived += (_, e) => Emit(e.Data);
        process.ErrorDataReceived += (_, e) => Emit(e.Data);
        if (!process.Start()) throw new InvalidOperationException($"could not start {spec.Display}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new TimeoutSource(_time, spec.Timeout, cancellationToken);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested) throw;
            throw new TimeoutException($"{spec.Display} did not finish within {spec.Timeout}");
        }
        return new ProcessResult(process.ExitCode, _time.GetElapsedTime(started));
    }
}
