using Microsoft.Extensions.DependencyInjection;
using TestFarm.Cli;

var services = new ServiceCollection().AddTestFarmCli();
await using var provider = services.BuildServiceProvider();
var root = CommandTree.Build(provider);
return await root.Parse(args).InvokeAsync();
