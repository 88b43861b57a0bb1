using System.CommandLine;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using TestFarm.Cli;
using TestFarm.Server.Hosting;
using TestFarm.Storage;
using TestFarm.Storage.Database;

namespace TestFarm.Server.Tests.Serve;

/// <summary>
/// <c>testfarm reserve …</c> against <c>testfarm serve</c> on loopback with the lab's simulated machines: real HTTP through
/// the CLI's own command tree. Create, list, show, extend, release; each refusal prints the API's problem (naming the
/// field) and exits non-zero.
/// </summary>
[CancelAfter(180_000), NonParallelizable]
public sealed class ReserveCliTests
{
    private static async Task<(int Code, string Out, string Err)> CliAsync(params string[] args)
    {
        using var services = new ServiceCollection().AddTestFarmCli().AddHttpClient().BuildServiceProvider();
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CommandTree.Build(services).Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    private static string State(JsonNode r) => r["state"]!.GetValue<string>();

    [Test]
    public async Task Create_list_show_extend_release_and_each_refusal_names_its_field_with_a_non_zero_exit(CancellationToken ct)
    {
        await using var fixture = new ServeFixture();
        var backend = await fixture.LabAsync(ct);
        var options = ServeFixture.Options(fixture.Config, new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.Combine(fixture.Root, "farm.db") }, "serve-a");
        using var api = await fixture.StartAsync(options, backend, ct);
        var server = FarmServer.BoundAddress(api.App);
        string[] As(string secret, params string[] args) => [.. args, "--server", server, "--token", secret];

        var (code, output, error) = await CliAsync(As(ServeFixture.OperatorSecret, "reserve", "create", "--profile", "epyc-9354-e810", "--count", "1",
            "--duration", "01:00:00", "--reason", "look at the e810 from the CLI"));
        Assert.That(code, Is.EqualTo(ExitCodes.Success), error);
        var id = output.Split(' ', 2)[0];
        Assert.That(output, Does.Contain("  Queued  oncall  ").And.Contain("look at the e810 from the CLI"));
        var ready = await api.WaitUntilAsync($"/api/v1/reservations/{id}", r => State(r) is "Ready" or "Ended", TimeSpan.FromSeconds(90), ct);
        Assert.That(State(ready), Is.EqualTo("Ready"), ready.ToJsonString());
        var machine = ready["machines"]![0]!["id"]!.GetValue<string>();

        (code, output, error) = await CliAsync(As(ServeFixture.ViewerSecret, "reserve", "list"));
        Assert.That(code, Is.EqualTo(ExitCodes.Success), error);
        Assert.That(output, Does.StartWith($"{id}  Ready  oncall  {machine}  until ").And.EndWith("1 reservation(s)\n"));

        (code, output, error) = await CliAsync(As(ServeFixture.ViewerSecret, "reserve", "show", id));
        Assert.That(code, Is.EqualTo(ExitCodes.Success), error);
        Assert.That(output, Does.Contain($"id:        {id}\n").And.Contain("state:     Ready\n").And.Contain($"machine:   {machine}  bmc http://127."));

        (code, output, error) = await CliAsync(As(ServeFixture.OperatorSecret, "reserve", "extend", id, "--duration", "00:30:00"));
        Assert.That(code, Is.EqualTo(ExitCodes.Success), error);
        Assert.That(output, Does.Contain($"until {ready["expiresAt"]!.GetValue<DateTimeOffset>() + TimeSpan.FromMinutes(30):yyyy-MM-ddTHH:mm}"));

        // Refusals: the API's problem on stderr, naming the field; exit 1 (4xx), 2 (no token), 4 (server unreachable).
        (code, output, error) = await CliAsync(As(ServeFixture.OperatorSecret, "reserve", "extend", id, "--duration", "07:00:00"));
        Assert.That((code, output), Is.EqualTo((ExitCodes.InvalidInput, "")));
        Assert.That(error, Does.StartWith("reserve extend: 422 ").And.Contain("over the policy cap").And.EndWith("(field: duration)\n"));
        (code, _, error) = await CliAsync(As(ServeFixture.OperatorSecret, "reserve", "create", "--profile", "epyc-9354-e810", "--count", "9", "--reason", "too many"));
        Assert.That(code, Is.EqualTo(ExitCodes.InvalidInput));
        Assert.That(error, Does.StartWith("reserve create: 422 Invalid reservation: count: count 9 is more than").And.EndWith("(field: count)\n"));
        (code, _, error) = await CliAsync(As(ServeFixture.OperatorSecret, "reserve", "create", "--profile", "nope", "--reason", "x"));
        Assert.That((code, error.Contains("(field: profile)", StringComparison.Ordinal)), Is.EqualTo((ExitCodes.InvalidInput, true)), error);
        (code, _, error) = await CliAsync(As(ServeFixture.ViewerSecret, "reserve", "release", id));
        Assert.That((code, error.StartsWith("reserve release: 403", StringComparison.Ordinal)), Is.EqualTo((ExitCodes.InvalidInput, true)), error);
        (code, _, error) = await CliAsync(As(ServeFixture.ViewerSecret, "reserve", "show", "no-such-id"));
        Assert.That((code, error.StartsWith("reserve show: 404", StringComparison.Ordinal)), Is.EqualTo((ExitCodes.InvalidInput, true)), error);
        (code, _, error) = await CliAsync("reserve", "list", "--server", "http://127.0.0.1:9", "--token", ServeFixture.ViewerSecret);
        Assert.That((code, error.StartsWith("reserve list: http://127.0.0.1:9/api/v1/reservations: ", StringComparison.Ordinal)), Is.EqualTo((ExitCodes.RemoteFailure, true)), error);
        (code, _, error) = await CliAsync("reserve", "list", "--server", "not a url", "--token", ServeFixture.ViewerSecret);
        Assert.That((code, error), Is.EqualTo((ExitCodes.Usage, "reserve list: --server must be an http(s) URL, was 'not a url'\n")));
        if (Environment.GetEnvironmentVariable("TESTFARM_TOKEN") is null)
        {
            (code, _, error) = await CliAsync("reserve", "list", "--server", server);
            Assert.That((code, error), Is.EqualTo((ExitCodes.Usage, "reserve list: no API token: pass --token or set TESTFARM_TOKEN\n")));
        }

        (code, output, error) = await CliAsync(As(ServeFixture.OperatorSecret, "reserve", "release", id));
        Assert.That(code, Is.EqualTo(ExitCodes.Success), error);
        Assert.That(output, Does.EndWith("(release asked: cleaning, then Available)\n"));
        var ended = await api.WaitUntilAsync($"/api/v1/reservations/{id}", r => State(r) == "Ended", TimeSpan.FromSeconds(60), ct);
        Assert.That(ended["endReason"]!.GetValue<string>(), Is.EqualTo("released by oncall"));
        (code, output, error) = await CliAsync(As(ServeFixture.ViewerSecret, "reserve", "list", "--all"));
        Assert.That(code, Is.EqualTo(ExitCodes.Success), error);
        Assert.That(output, Does.StartWith($"{id}  Ended  oncall  ").And.EndWith("1 reservation(s)\n"));

        // --deploy-cluster asks the API for the cluster ("deployCluster": true); show says where its kubeconfig will be.
        (code, output, error) = await CliAsync(As(ServeFixture.OperatorSecret, "reserve", "create", "--profile", "epyc-9354-e810", "--reason", "with a cluster", "--deploy-cluster"));
        Assert.That(code, Is.EqualTo(ExitCodes.Success), error);
        var withCluster = output.Split(' ', 2)[0];
        var asked = await api.GetAsync($"/api/v1/reservations/{withCluster}");
        Assert.That((asked["deployCluster"]!.GetValue<bool>(), asked["kubeconfig"]!.GetValue<string>()), Is.EqualTo((true, $"/api/v1/reservations/{withCluster}/kubeconfig")), asked.ToJsonString());
        (code, output, error) = await CliAsync(As(ServeFixture.ViewerSecret, "reserve", "show", withCluster));
        Assert.That(code, Is.EqualTo(ExitCodes.Success), error);
        Assert.That(output, Does.Contain($"cluster:   deployed on the machines; kubeconfig at /api/v1/reservations/{withCluster}/kubeconfig once Ready\n"));
        (code, _, error) = await CliAsync(As(ServeFixture.OperatorSecret, "reserve", "release", withCluster));
        Assert.That(code, Is.EqualTo(ExitCodes.Success), error);
        await api.WaitUntilAsync($"/api/v1/reservations/{withCluster}", r => State(r) == "Ended", TimeSpan.FromSeconds(90), ct);
        // Without the flag no cluster is asked for.
        Assert.That((await api.GetAsync($"/api/v1/reservations/{id}"))["deployCluster"]!.GetValue<bool>(), Is.False);
    }
}
