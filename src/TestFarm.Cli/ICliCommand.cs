using System.CommandLine;

namespace TestFarm.Cli;

/// <summary>
/// One verb of the CLI. <see cref="Path"/> places it in the tree ("validate", "lab up", "bench schedule");
/// parent groups are made as needed. Implementations are found in this assembly and built by DI.
/// </summary>
public interface ICliCommand
{
    string Path { get; }
    Command Build();
}
