using System.CommandLine;

namespace TestFarm.Cli.Commands.Machine;

/// <summary>Shared shape of <c>machine repair|drain|retire ID --reason WHY [--by WHO] [--db DB]</c>.</summary>
public abstract class MachineActionCommand(TimeProvider time) : ICliCommand
{
    public string Path => "machine " + Verb;

    protected abstract string Verb { get; }
    protected abstract string Description { get; }

    protected abstract Task<OperatorResult> ActAsync(MachineOperator machines, string id, string by, string why, CancellationToken ct);

    public Command Build()
    {
        var id = new Argument<string>("ID") { Description = "The machine's id in the pool." };
        var reason = new Option<string?>("--reason") { Description = "Why (kept in the audit log). Required." };
        var by = new Option<string>("--by") { Description = "Who (kept in the audit log); default the user running the command.", DefaultValueFactory = _ => Environment.UserName };
        var db = MachineStoreOption.Create();
        var command = new Command(Verb, Description) { id, reason, by, db };
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var why = parse.GetValue(reason);
            if (string.IsNullOrWhiteSpace(why))
            {
                await error.WriteLineAsync($"machine {Verb}: --reason is required (why, for the audit log)");
                return ExitCodes.Usage;
            }
            var (store, openError) = await MachineStoreOption.OpenAsync(parse.GetValue(db)!, time, ct);
            if (store is null)
            {
                await error.WriteLineAsync($"machine {Verb}: {openError}");
                return ExitCodes.InvalidInput;
            }
            var who = string.IsNullOrWhiteSpace(parse.GetValue(by)) ? "unknown" : parse.GetValue(by)!;
            var result = await ActAsync(new MachineOperator(store), parse.GetValue(id)!, who, why, ct);
            if (!result.Ok)
            {
                await error.WriteLineAsync($"machine {Verb}: {result.Refusal}");
                return ExitCodes.InvalidInput;
            }
            await output.WriteLineAsync($"{result.Machine!.Id}: {result.Machine.State} ({Verb} by {who}: {why})");
            return ExitCodes.Success;
        });
        return command;
    }
}

/// <summary><c>testfarm machine repair ID --reason WHY</c>: a repaired Quarantined machine goes to Cleaning (then Available).</summary>
public sealed class MachineRepairCommand(TimeProvider time) : MachineActionCommand(time)
{
    protected override string Verb => "repair";
    protected override string Description => "Mark a Quarantined machine repaired: it moves to Cleaning, audited with who and why.";
    protected override Task<OperatorResult> ActAsync(MachineOperator machines, string id, string by, string why, CancellationToken ct) => machines.RepairAsync(id, by, why, ct);
}

/// <summary><c>testfarm machine drain ID --reason WHY</c>: takes an Available or Suspect machine out of service (Quarantined).</summary>
public sealed class MachineDrainCommand(TimeProvider time) : MachineActionCommand(time)
{
    protected override string Verb => "drain";
    protected override string Description => "Take an Available or Suspect machine out of service (Quarantined) until repaired.";
    protected override Task<OperatorResult> ActAsync(MachineOperator machines, string id, string by, string why, CancellationToken ct) => machines.DrainAsync(id, by, why, ct);
}

/// <summary><c>testfarm machine retire ID --reason WHY</c>: an Available or Quarantined machine leaves the farm for good.</summary>
public sealed class MachineRetireCommand(TimeProvider time) : MachineActionCommand(time)
{
    protected override string Verb => "retire";
    protected override string Description => "Retire an Available or Quarantined machine for good.";
    protected override Task<OperatorResult> ActAsync(MachineOperator machines, string id, string by, string why, CancellationToken ct) => machines.RetireAsync(id, by, why, ct);
}
