namespace TestFarm.Server.Consoles;

/// <summary>Input for a machine's serial console: text sent as typed (end a command with "\n").</summary>
public sealed record ConsoleInputBody(string? Input);

/// <summary>The input was sent: its session (whose transcript keeps it) and how many bytes went to the console.</summary>
public sealed record ConsoleInputView(string Machine, string Session, int Bytes);

/// <summary>A chunk of console output, as the follow stream sends it (event <c>output</c>).</summary>
public sealed record ConsoleChunk(string Text);

/// <summary>A power action: <c>On</c>, <c>ForceOff</c>, <c>ForceRestart</c> or <c>PxeOnce</c>.</summary>
public sealed record PowerBody(string? Action);

/// <summary>A power action done: what the BMC reports after it.</summary>
public sealed record PowerView(string Machine, string Action, string PowerState, string Result);
