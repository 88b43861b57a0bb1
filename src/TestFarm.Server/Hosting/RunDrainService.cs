using Microsoft.Extensions.Hosting;
using TestFarm.Server.Runs;

namespace TestFarm.Server.Hosting;

/// <summary>On a graceful stop (SIGTERM): no new runs, then wait for those in flight, up to the host's shutdown timeout.</summary>
public sealed class RunDrainService(RunLauncher launcher, IHostApplicationLifetime lifetime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Refuse new runs from the first moment of a stop, while the web server still finishes its requests.
        lifetime.ApplicationStopping.Register(launcher.StopAccepting);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try { await launcher.DrainAsync(cancellationToken); }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { /* the host gave up waiting; leases will be reaped */ }
    }
}
