using System.CommandLine;
using System.Text.Json;
using TestFarm.Core.Bmc;
using TestFarm.Core.Hardware;
using TestFarm.Redfish;
using TestFarm.Redfish.Auth;
using TestFarm.Redfish.Inspect;
using TestFarm.Redfish.Json;
using TestFarm.Lab.Mockup;

namespace TestFarm.Cli.Commands.Redfish;

/// <summary><c>testfarm redfish inspect</c>: reads one BMC (or a mockup folder served on loopback) and prints JSON.</summary>
public sealed class RedfishInspectCommand(TimeProvider time) : ICliCommand
{
    public string Path => "redfish inspect";

    public Command Build()
    {
        var mockup = new Option<string?>("--mockup") { Description = "Folder in the DMTF mockup layout (or loose fixture files), served on 127.0.0.1 for this command." };
        var url = new Option<string?>("--url") { Description = "Base URL of a BMC (its service root is URL/redfish/v1)." };
        var user = new Option<string?>("--user") { Description = "BMC user." };
        var passwordEnv = new Option<string?>("--password-env") { Description = "Environment variable holding the BMC password." };
        var insecure = new Option<bool>("--insecure") { Description = "Skip TLS verification (logged; never a default)." };
        var basic = new Option<bool>("--basic") { Description = "Use HTTP basic auth instead of a Redfish session." };
        var profile = new Option<string?>("--profile") { Description = "Hardware profile name to compute drift against." };
        var profilesDir = new Option<string>("--profiles-dir") { Description = "Folder of hardware profiles.", DefaultValueFactory = _ => "hardware-profiles" };
        var command = new Command("inspect", "Inspect a BMC over Redfish: systems, boot, virtual media, inventory, drift.")
        {
            mockup, url, user, passwordEnv, insecure, basic, profile, profilesDir,
        };
        command.SetAction((parse, ct) => RunAsync(new InspectArgs(parse.GetValue(mockup), parse.GetValue(url), parse.GetValue(user),
            parse.GetValue(passwordEnv), parse.GetValue(insecure), parse.GetValue(basic), parse.GetValue(profile), parse.GetValue(profilesDir)!), ct));
        return command;
    }

    private sealed record InspectArgs(string? Mockup, string? Url, string? User, string? PasswordEnv, bool Insecure, bool Basic, string? Profile, string ProfilesDir);

    private async Task<int> RunAsync(InspectArgs args, CancellationToken cancellationToken)
    {
        if ((args.Mockup is null) == (args.Url is null))
        {
            await Console.Error.WriteLineAsync("give exactly one of --mockup DIR or --url URL").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        HardwareProfile? hardware = null;
        if (args.Profile is not null)
        {
            var file = System.IO.Path.Combine(args.ProfilesDir, args.Profile + ".yaml");
            try
            {
                hardware = TestFarm.Lab.LabHost.ProfileFileReader.Read(file);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"profile {args.Profile}: {e.Message}").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }
        }

        MockupServer? server = null;
        try
        {
            Uri baseUrl;
            RedfishAuth auth = RedfishAuth.None;
            if (args.Mockup is not null)
            {
                server = await MockupServer.StartAsync(args.Mockup, cancellationToken: cancellationToken).ConfigureAwait(false);
                baseUrl = server.BaseUrl;
            }
            else
            {
                baseUrl = new Uri(args.Url!);
                if (args.User is not null)
                {
                    var password = args.PasswordEnv is null ? null : Environment.GetEnvironmentVariable(args.PasswordEnv);
                    if (password is null)
                    {
                        await Console.Error.WriteLineAsync($"--password-env {args.PasswordEnv ?? "(missing)"}: variable not set").ConfigureAwait(false);
                        return ExitCodes.Usage;
                    }
                    var credentials = new RedfishCredentials(args.User, password, $"env:{args.PasswordEnv}");
                    auth = args.Basic ? new BasicAuth(credentials) : new SessionAuth(credentials, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
                }
            }
            await using var client = TestFarm.Redfish.Factory.RedfishClientFactory.CreateStandalone(baseUrl, auth,
                new RedfishOptions { MaxRetries = 1 }, time, new Core.Pool.BmcTlsOptions { Insecure = args.Insecure });
            var report = await client.InspectAsync(cancellationToken).ConfigureAwait(false);
            if (hardware is not null)
            {
                var observed = await client.GetInventoryAsync(cancellationToken).ConfigureAwait(false);
                report = RedfishInspector.WithDrift(report, HardwareDrift.Compare(hardware, observed));
            }
            await Console.Out.WriteLineAsync(JsonSerializer.Serialize(report, InspectJsonContext.Default.InspectReport)).ConfigureAwait(false);
            return ExitCodes.Success;
        }
        catch (BmcException e)
        {
            await Console.Error.WriteLineAsync($"cannot read the Redfish service: {e.Message}").ConfigureAwait(false);
            return ExitCodes.RemoteFailure;
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            await Console.Error.WriteLineAsync($"mockup {args.Mockup}: {e.Message}").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }
        finally
        {
            if (server is not null) await server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
