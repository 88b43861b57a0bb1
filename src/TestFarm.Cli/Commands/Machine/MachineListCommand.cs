using System.CommandLine;
using System.Globalization;

namespace TestFarm.Cli.Commands.Machine;

/// <summary><c>testfarm machine list [--db DB]</c>: every machine with its profile, state, lease and last change.</summary>
public sealed class MachineListCommand(TimeProvider time) : ICliCommand
{
    public string Path => "machine list";

    public Command Build()
    {
        var db = MachineStoreOption.Create();
        var command = new Command("list", "List the store's machines: id, profile, state, lease, last change.") { db };
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var (store, openError) = await MachineStoreOption.OpenAsync(parse.GetValue(db)!, time, ct);
            if (store is null)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"machine list: {openError}");
                return ExitCodes.InvalidInput;
            }
            var machines = await store.ListMachinesAsync(ct);
            var width = Math.Max(2, machines.Select(m => m.Id.Length).DefaultIfEmpty(0).Max());
            var profileWidth = Math.Max(7, machines.Select(m => m.Profile.Length).DefaultIfEmpty(0).Max());
            await output.WriteLineAsync($"{"ID".PadRight(width)}  {"PROFILE".PadRight(profileWidth)}  {"STATE",-12}  {"LEASE",-12}  UPDATED");
            foreach (var m in machines)
                await output.WriteLineAsync($"{m.Id.PadRight(width)}  {m.Profile.PadRight(profileWidth)}  {m.State,-12}  {m.LeaseId ?? "-",-12}  {m.UpdatedAt.ToString("u", CultureInfo.InvariantCulture)}");
            await output.WriteLineAsync($"{machines.Count} machine(s)");
            return ExitCodes.Success;
        });
        return command;
    }
}
