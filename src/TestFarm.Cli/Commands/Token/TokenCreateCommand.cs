using System.CommandLine;
using TestFarm.Server.Auth;

namespace TestFarm.Cli.Commands.Token;

/// <summary>
/// <c>testfarm token create --role viewer|operator|admin [--name NAME] [--tokens FILE]</c>: prints a new token once and
/// appends only its SHA-256 to the tokens file that <c>serve</c> reads.
/// </summary>
public sealed class TokenCreateCommand : ICliCommand
{
    public string Path => "token create";

    private readonly Option<string> _role = new("--role") { Description = "viewer, operator or admin", Required = true };
    private readonly Option<string?> _name = new("--name") { Description = "A name for the token (default: <role>-<random>)" };
    private readonly Option<string> _tokens = new("--tokens") { Description = "Tokens file to append to", DefaultValueFactory = _ => "testfarm.tokens" };

    public Command Build()
    {
        var command = new Command("create", "Create an API token: prints the secret once, stores only its hash.") { _role, _name, _tokens };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var roleText = parse.GetValue(_role)!;
            if (!Enum.TryParse<ApiRole>(roleText, ignoreCase: true, out var role) || !Enum.IsDefined(role) || int.TryParse(roleText, out _))
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"token create: --role must be viewer, operator or admin, was '{roleText}'");
                return ExitCodes.Usage;
            }
            var name = parse.GetValue(_name) ?? $"{role.ToString().ToLowerInvariant()}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3))}";
            var path = parse.GetValue(_tokens)!;
            try
            {
                var secret = TokenFile.Create(path, name, role);
                await parse.InvocationConfiguration.Output.WriteLineAsync(secret);
                await parse.InvocationConfiguration.Error.WriteLineAsync($"token '{name}' ({role}) added to {path}; the secret above is not stored and is shown only now");
                return ExitCodes.Success;
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidDataException or IOException or UnauthorizedAccessException)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"token create: {ex.Message}");
                return ExitCodes.InvalidInput;
            }
        });
        return command;
    }
}
