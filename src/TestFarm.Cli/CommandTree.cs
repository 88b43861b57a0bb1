using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using TestFarm.Kubernetes;
using TestFarm.Scenarios;

namespace TestFarm.Cli;

public static class CommandTree
{
    private static readonly Dictionary<string, string> GroupDescriptions = new(StringComparer.Ordinal)
    {
        ["lab"] = "The embedded lab: virtual BMCs, QEMU machines and a simulated cluster.",
        ["bench"] = "Benchmarks: speed and memory targets, printed as numbers.",
        ["redfish"] = "Talk to BMCs through the farm's Redfish client.",
        ["results"] = "Import and count test results.",
        ["machine"] = "Operator actions on one machine.",
        ["token"] = "API tokens of the farm server.",
        ["addons"] = "Add-on release manifests (MetalLB, Rook): the local cache.",
        ["chaos"] = "Chaos configs of other tools, as suites.",
        ["reserve"] = "Hands-on reservations on a farm server: create, list, show, extend, release.",
    };

    public static RootCommand Build(IServiceProvider services)
    {
        var root = new RootCommand("TestFarm: a hardware-in-the-loop CI farm for bare-metal Kubernetes.");
        foreach (var command in services.GetServices<ICliCommand>().OrderBy(c => c.Path, StringComparer.Ordinal))
        {
            var words = command.Path.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Command parent = root;
            foreach (var word in words[..^1])
            {
                var group = parent.Subcommands.FirstOrDefault(c => c.Name == word);
                if (group is null)
                {
                    group = new Command(word, GroupDescriptions.GetValueOrDefault(word, word));
                    parent.Subcommands.Add(group);
                }
                parent = group;
            }
            parent.Subcommands.Add(command.Build());
        }
        return root;
    }

    public static IServiceCollection AddTestFarmCli(this IServiceCollection services)
    {
        foreach (var type in typeof(CommandTree).Assembly.GetTypes()
                     .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(ICliCommand).IsAssignableFrom(t)))
        {
            services.AddSingleton(typeof(ICliCommand), type);
        }
        services.AddSingleton(TimeProvider.System);
        // Step validators for `validate`, and the suite engine for the main job.
        services.AddTestFarmScenarios();
        services.AddTestFarmKubernetes(); // the add-on fetcher and its HTTP client

        return services;
    }
}
