using System.CommandLine;
using TestFarm.Lab.Cluster;

namespace TestFarm.Cli.Commands.Lab;

/// <summary><c>testfarm lab cluster</c>: serves a simulated Kubernetes API in the foreground until Ctrl-C.</summary>
public sealed class LabClusterCommand : ICliCommand
{
    private readonly TimeProvider _time;

    public LabClusterCommand(TimeProvider time) => _time = time;

    public string Path => "lab cluster";

    public Command Build()
    {
        var nodes = new Option<int>("--nodes") { Description = "Number of simulated nodes.", DefaultValueFactory = _ => 3 };
        var profiles = new Option<string?>("--profiles")
        {
            Description = "Comma-separated hardware profile names (hardware-profiles/<name>.yaml), assigned to nodes in turn.",
        };
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1 (0 = any free port).", DefaultValueFactory = _ => 0 };
        var kubeconfigOut = new Option<string>("--kubeconfig-out")
        {
            Description = "Where to write the kubeconfig (it holds the client key).",
            DefaultValueFactory = _ => "testfarm-lab.kubeconfig",
        };
        var command = new Command("cluster", "Serve a simulated Kubernetes API (a simulation, not a real cluster) that kubectl accepts; Ctrl-C stops it.")
        {
            nodes, profiles, port, kubeconfigOut,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var count = parse.GetValue(nodes);
            var portValue = parse.GetValue(port);
            if (count < 1 || count > 500)
            {
                await Console.Error.WriteLineAsync($"--nodes must be between 1 and 500, was {count}");
                return ExitCodes.Usage;
            }
            if (portValue is < 0 or > 65535)
            {
                await Console.Error.WriteLineAsync($"--port must be between 0 and 65535, was {portValue}");
                return ExitCodes.Usage;
            }
            IReadOnlyList<SimulatedNode> nodeList;
            try
            {
                nodeList = LabClusterProfiles.Nodes(count, parse.GetValue(profiles));
            }
            catch (LabClusterProfileException e)
            {
                await Console.Error.WriteLineAsync(e.Message);
                return ExitCodes.InvalidInput;
            }
            var options = new SimulatedClusterOptions { Port = portValue };
            await using var cluster = await SimulatedCluster.StartAsync(options, new StaticNodeSource(nodeList), _time, cancellationToken: cancellationToken);
            var path = System.IO.Path.GetFullPath(parse.GetValue(kubeconfigOut)!);
            cluster.WriteKubeconfig(path);
            Console.WriteLine($"Simulated Kubernetes API (TestFarm lab simulation, not a real cluster) at {cluster.Url}");
            Console.WriteLine($"kubeconfig: {path}");
            foreach (var n in nodeList)
                Console.WriteLine($"  node {n.Name}  profile {n.Profile}  arch {n.Arch}  osd drives {(n.OsdDevices.Count == 0 ? "-" : string.Join(",", n.OsdDevices))}");
            Console.WriteLine($"Try: kubectl --kubeconfig {path} get nodes    (Ctrl-C stops)");
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                e.Cancel = true;
                stop.Cancel();
            };
            Console.CancelKeyPress += onCancel;
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, _time, stop.Token);
            }
            catch (OperationCanceledException)
            {
                Console.WriteLine("stopping simulated cluster");
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
