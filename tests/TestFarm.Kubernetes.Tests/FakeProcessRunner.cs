using TestFarm.Kubernetes.Deploy;

namespace TestFarm.Kubernetes.Tests;

/// <summary>Records commands instead of running them; answers each with scripted output lines and an exit code.</summary>
public sealed class FakeProcessRunner : IProcessRunner
{
    private readonly Func<ProcessSpec, (int ExitCode, IReadOnlyList<string> Lines)> _answer;

    public FakeProcessRunner(Func<ProcessSpec, (int, IReadOnlyList<string>)>? answer = null) =>
        _answer = answer ?? (_ => (0, ["ok"]));

    public List<ProcessSpec> Runs { get; } = [];

    public Task<ProcessResult> RunAsync(ProcessSpec spec, Action<string> onLine, CancellationToken cancellationToken = default)
    {
        Runs.Add(spec);
        var (code, lines) = _answer(spec);
        foreach (var line in lines) onLine(spec.Redact(line));
        return Task.FromResult(new ProcessResult(code, TimeSpan.FromSeconds(1)));
    }
}
