using Microsoft.Extensions.Hosting;

namespace TestFarm.Lab.Cluster;

/// <summary>
/// Keeps the embedded web host from taking over Ctrl-C/SIGTERM: whoever owns the simulated cluster
/// (the CLI, a test, the nightly job) decides when it stops.
/// </summary>
internal sealed class NoSignalLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
