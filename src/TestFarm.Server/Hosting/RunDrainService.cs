using Microsoft.Extensions.Hosting;
using TestFarm.Orchestration.Runs;

namespace TestFarm.Server.Hosting;

/// <summary>
/// On a graceful stop (SIGTERM): no new runs from the first moment. The cells running here finish (Quartz waits for its
/// jobs, up to the host's shutdown timeout); cells not started stay in the farm's job store for any instance to take.
/// </summary>
public sealed class RunDrainService(RunEngine engine, IHostApplicationLifetime lifetime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Refuse new runs from the first moment of a stop, while the web server still finishes its requests.
        lifetime.ApplicationStopping.Register(engine.StopAccepting);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
