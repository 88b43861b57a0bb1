using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using TestFarm.Cli;

var services = new ServiceCollection().AddTestFarmCli();
await using var provider = services.BuildServiceProvider();
var root = CommandTree.Build(provider);
// `serve` handles SIGTERM/Ctrl-C itself (graceful drain of runs), so the parser must not force an exit after its short timeout.
var invocation = args.FirstOrDefault() == "serve" ? new InvocationConfiguration { ProcessTerminationTimeout = null } : new InvocationConfiguration();
return await root.Parse(args).InvokeAsync(invocation);
