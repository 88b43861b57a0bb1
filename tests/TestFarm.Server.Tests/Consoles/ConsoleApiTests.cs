using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using TestFarm.Core.Bmc;
using TestFarm.Core.Machines;
using TestFarm.Server.Runs;
using TestFarm.Server.Tests.Serve;
using TestFarm.Storage;
using TestFarm.Storage.Database;

namespace TestFarm.Server.Tests.Consoles;

/// <summary>
/// The console and power API of a real serve over the in-process lab's simulated machines (virtual Redfish BMCs): power
/// through the BMC, the machine's console showing its boot and answering <c>uname -a</c>, the follow stream, who may write,
/// every bad input naming its field, and the audit of sessions and power actions in the machine's events.
/// </summary>
[CancelAfter(180_000), NonParallelizable]
public sealed class ConsoleApiTests
{
    private ServeFixture _fixture = null!;
    private IFarmBackend _lab = null!;
    private ApiClient _api = null!;
    private List<string> _machines = null!;

    /// <summary>The viewer token "dashboard" holds the first machine through a (stand-in) reservation, and no other.</summary>
    private sealed class ViewerHoldsFirst(string machine) : IMachineHolders
    {
        public ValueTask<bool> HoldsAsync(string machineId, string principal, CancellationToken ct) =>
            ValueTask.FromResult(machineId == machine && principal == "dashboard");
    }

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        using var setup = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        _fixture = new ServeFixture();
        _lab = await _fixture.LabAsync(setup.Token, spares: 2);
        _machines = [.. _lab.Pool.Machines.Select(m => m.Id).Order(StringComparer.Ordinal)];
        Assert.That(_machines, Has.Count.GreaterThanOrEqualTo(4), "the lab has machines for each test");
        var storage = new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.Combine(_fixture.Root, "farm.db") };
        _api = await _fixture.StartAsync(ServeFixture.Options(_fixture.Config, storage, "serve-console"), _lab, setup.Token,
            s => s.AddSingleton<IMachineHolders>(new ViewerHoldsFirst(_machines[0])));
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _api?.Dispose();
        if (_fixture is not null) await _fixture.DisposeAsync();
    }

    private async Task<JsonNode> PowerAsync(string machine, string action, string token = ServeFixture.OperatorSecret)
    {
        var (status, body, text, _) = await _api.SendAsync(HttpMethod.Post, $"/api/v1/machines/{machine}/power", token, new { action });
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), $"{action}: {text}");
        return body!;
    }

    private async Task<string> ConsoleAsync(string machine, string token = ServeFixture.ViewerSecret, string query = "")
    {
        var (status, _, text, response) = await _api.SendAsync(HttpMethod.Get, $"/api/v1/machines/{machine}/console{query}", token);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), text);
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/plain"));
        return text;
    }

    /// <summary>Reads the console every 200 ms until it shows <paramref name="expected"/> (after <paramref name="after"/> characters), or fails naming what it showed.</summary>
    private async Task<string> WaitForConsoleAsync(string machine, string expected, CancellationToken ct, int after = 0)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var text = await ConsoleAsync(machine, query: "?tail=5000");
            if (text.Length > after && text[after..].Contains(expected, StringComparison.Ordinal)) return text;
            if (clock.Elapsed > TimeSpan.FromSeconds(30)) Assert.Fail($"the console of {machine} did not show '{expected}' within 30 s:\n{text}");
            await Task.Delay(200, ct);
        }
    }

    private async Task<PowerState> BmcPowerAsync(string machine, CancellationToken ct)
    {
        await using var bmc = _lab.Bmcs.Create(_lab.Pool.Machines.Single(m => m.Id == machine));
        return await bmc.GetPowerStateAsync(ct);
    }

    [Test]
    public async Task Typing_uname_into_a_simulated_machines_console_answers_and_the_session_and_power_are_audited(CancellationToken ct)
    {
        var machine = _machines[1];
        var on = await PowerAsync(machine, "On");
        Assert.That(on["action"]!.GetValue<string>(), Is.EqualTo("On"));
        Assert.That(on["powerState"]!.GetValue<string>(), Is.Not.EqualTo("Off"), on.ToJsonString());
        var booted = await WaitForConsoleAsync(machine, "~ # ", ct);
        Assert.That(booted, Does.Contain("power on self test").And.Contain("Linux version"), "the boot lines come first");

        var (status, body, text, _) = await _api.SendAsync(HttpMethod.Post, $"/api/v1/machines/{machine}/console", ServeFixture.OperatorSecret, new { input = "uname -a\n" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), text);
        Assert.That(body!["bytes"]!.GetValue<int>(), Is.EqualTo(9));
        var session = body["session"]!.GetValue<string>();
        var answered = await WaitForConsoleAsync(machine, $"Linux {machine} 6.1.0-lab", ct, after: booted.Length);
        Assert.That(answered, Does.Contain("uname -a\r\nLinux ").And.Contain("x86_64 GNU/Linux"), "echoed as typed, then answered");
        Assert.That(await ConsoleAsync(machine, query: "?tail=1"), Is.EqualTo("~ # "), "?tail=1: the last line only, the prompt again");

        var detail = await _api.GetAsync($"/api/v1/machines/{machine}");
        var events = detail["events"]!.AsArray().Select(e => (Kind: e!["kind"]!.GetValue<string>(), To: e["to"]!.GetValue<string>(), Reason: e["reason"]!.GetValue<string>())).ToList();
        Assert.That(events, Has.Some.Matches<(string Kind, string To, string Reason)>(e => e.Kind == "power" && e.To == "On" && e.Reason.StartsWith("On by oncall: On done", StringComparison.Ordinal)),
            detail.ToJsonString());
        Assert.That(events, Has.Some.Matches<(string Kind, string To, string Reason)>(e => e.Kind == "console" && e.Reason == $"console session {session} opened by oncall (api); transcript consoles/{machine}/{session}.log"),
            detail.ToJsonString());
        var transcript = await File.ReadAllTextAsync(Path.Combine(_fixture.Root, "data", "consoles", machine, session + ".log"), ct);
        Assert.That(transcript, Does.Contain(" oncall: \"uname -a\\n\""), transcript);

        // A second input within the idle window is the same session: one more transcript line, no new session event.
        (status, body, text, _) = await _api.SendAsync(HttpMethod.Post, $"/api/v1/machines/{machine}/console", ServeFixture.OperatorSecret, new { input = "hostname\n" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), text);
        Assert.That(body!["session"]!.GetValue<string>(), Is.EqualTo(session));
        await WaitForConsoleAsync(machine, $"hostname\r\n{machine}\r\n", ct);
        var sessions = (await _api.GetAsync($"/api/v1/machines/{machine}"))["events"]!.AsArray().Count(e => e!["kind"]!.GetValue<string>() == "console");
        Assert.That(sessions, Is.EqualTo(1));
        Assert.That((await File.ReadAllLinesAsync(Path.Combine(_fixture.Root, "data", "consoles", machine, session + ".log"), ct)), Has.Length.EqualTo(2));
    }

    [Test]
    public async Task Power_off_on_cycle_and_pxe_once_change_the_bmcs_state_and_show_in_the_console(CancellationToken ct)
    {
        var machine = _machines[2];
        await PowerAsync(machine, "On");
        var up = await WaitForConsoleAsync(machine, "~ # ", ct);

        var off = await PowerAsync(machine, "ForceOff");
        Assert.That(off["powerState"]!.GetValue<string>(), Is.EqualTo("Off"), off.ToJsonString());
        Assert.That(await BmcPowerAsync(machine, ct), Is.EqualTo(PowerState.Off), "the BMC itself reports Off");
        var down = await WaitForConsoleAsync(machine, "reboot: Power down", ct, after: up.Length);

        var (status, body, text, _) = await _api.SendAsync(HttpMethod.Post, $"/api/v1/machines/{machine}/console", ServeFixture.OperatorSecret, new { input = "uname -a\n" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Conflict), text);
        Assert.That(body!["detail"]!.GetValue<string>(), Does.Contain($"machine {machine} is powered off"), text);

        await PowerAsync(machine, "On");
        Assert.That(await BmcPowerAsync(machine, ct), Is.Not.EqualTo(PowerState.Off));
        var again = await WaitForConsoleAsync(machine, "~ # ", ct, after: down.Length);

        await PowerAsync(machine, "ForceRestart");
        var cycled = await WaitForConsoleAsync(machine, "reboot: Restarting system", ct, after: again.Length);
        cycled = await WaitForConsoleAsync(machine, "~ # ", ct, after: cycled.Length);

        var pxe = await PowerAsync(machine, "PxeOnce");
        Assert.That(pxe["powerState"]!.GetValue<string>(), Is.Not.EqualTo("Off"), pxe.ToJsonString());
        await WaitForConsoleAsync(machine, "booting from Pxe", ct, after: cycled.Length);

        var power = (await _api.GetAsync($"/api/v1/machines/{machine}"))["events"]!.AsArray()
            .Where(e => e!["kind"]!.GetValue<string>() == "power").Select(e => e!["to"]!.GetValue<string>()).ToList();
        Assert.That(power, Is.EqualTo(new[] { "On", "ForceOff", "On", "ForceRestart", "PxeOnce" }));
    }

    [Test]
    public async Task The_follow_stream_sends_the_recent_output_then_each_chunk_as_it_comes(CancellationToken ct)
    {
        var machine = _machines[3];
        await PowerAsync(machine, "On");
        await WaitForConsoleAsync(machine, "~ # ", ct);
        using var http = new HttpClient { BaseAddress = new Uri(Server.Hosting.FarmServer.BoundAddress(_api.App)) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ServeFixture.ViewerSecret);
        using var response = await http.GetAsync($"/api/v1/machines/{machine}/console/stream?tail=3", HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/event-stream"));
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        async Task<string> NextOutputAsync()
        {
            string? line;
            while ((line = await reader.ReadLineAsync(ct)) is not null)
                if (line.StartsWith("data: ", StringComparison.Ordinal)) return JsonNode.Parse(line[6..])!["text"]!.GetValue<string>();
            Assert.Fail("the stream ended");
            return "";
        }
        var recent = await NextOutputAsync();
        Assert.That(recent, Does.EndWith("~ # "), "the first event is the recent output");

        var (status, _, text, _) = await _api.SendAsync(HttpMethod.Post, $"/api/v1/machines/{machine}/console", ServeFixture.OperatorSecret, new { input = "echo streamed-back\n" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), text);
        var seen = "";
        while (!seen.Contains("\r\nstreamed-back\r\n", StringComparison.Ordinal)) seen += await NextOutputAsync();
        Assert.That(seen, Does.StartWith("e"), "the typed characters come back one by one, in order");
    }

    [Test]
    public async Task A_viewer_reads_but_writes_and_switches_power_only_on_the_machine_it_holds(CancellationToken ct)
    {
        var held = _machines[0];
        var other = _machines[3];
        Assert.That(await ConsoleAsync(other), Is.Not.Null, "a viewer reads any console");

        foreach (var (path, body) in new (string, object)[] { ($"/api/v1/machines/{other}/console", new { input = "uname -a\n" }), ($"/api/v1/machines/{other}/power", new { action = "ForceOff" }) })
        {
            var (status, problem, text, _) = await _api.SendAsync(HttpMethod.Post, path, ServeFixture.ViewerSecret, body);
            Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden), $"{path}: {text}");
            Assert.That(problem!["detail"]!.GetValue<string>(), Is.EqualTo(
                $"token 'dashboard' has role Viewer and holds no Ready reservation of machine {other}; this needs the holder or an Operator"), text);
        }

        // The holder of a reservation may, though only a viewer.
        var on = await PowerAsync(held, "On", ServeFixture.ViewerSecret);
        Assert.That(on["powerState"]!.GetValue<string>(), Is.Not.EqualTo("Off"));
        await WaitForConsoleAsync(held, "~ # ", ct);
        var (written, _, writtenText, _) = await _api.SendAsync(HttpMethod.Post, $"/api/v1/machines/{held}/console", ServeFixture.ViewerSecret, new { input = "uname\n" });
        Assert.That(written, Is.EqualTo(HttpStatusCode.Accepted), writtenText);
        await WaitForConsoleAsync(held, "uname\r\nLinux\r\n", ct);
        var audit = (await _api.GetAsync($"/api/v1/machines/{held}"))["events"]!.AsArray().Select(e => e!["reason"]!.GetValue<string>()).ToList();
        Assert.That(audit, Has.Some.StartsWith("On by dashboard: On done"));
        Assert.That(audit, Has.Some.Contains("opened by dashboard (api)"));

        var (anonymous, _, _, _) = await _api.SendAsync(HttpMethod.Post, $"/api/v1/machines/{held}/power", null, new { action = "On" });
        Assert.That(anonymous, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [TestCase("GET", "console?tail=0", null, 400, "tail", "tail: expected a number of lines from 1 to 5000, was '0'")]
    [TestCase("GET", "console?tail=abc", null, 400, "tail", "tail: expected a number of lines from 1 to 5000, was 'abc'")]
    [TestCase("GET", "console/stream?tail=5001", null, 400, "tail", "tail: expected a number of lines from 1 to 5000, was '5001'")]
    [TestCase("POST", "console", "{}", 400, "input", "input: give the text to type, e.g. {\"input\": \"uname -a\\n\"}")]
    [TestCase("POST", "console", "{\"input\": \"\"}", 400, "input", "input: give the text to type, e.g. {\"input\": \"uname -a\\n\"}")]
    [TestCase("POST", "console", "LONG", 400, "input", "input: at most 4096 characters, was 4097")]
    [TestCase("POST", "console", "{\"input\": 42}", 400, "body", null)]
    [TestCase("POST", "power", "{}", 400, "action", "action: expected one of On, ForceOff, ForceRestart, PxeOnce, was nothing")]
    [TestCase("POST", "power", "{\"action\": \"Reboot\"}", 400, "action", "action: expected one of On, ForceOff, ForceRestart, PxeOnce, was 'Reboot'")]
    [TestCase("POST", "power", "HUGE", 413, "body", null)]
    public async Task Bad_input_is_refused_naming_the_field(string method, string path, string? body, int status, string field, string? detail, CancellationToken ct)
    {
        var machine = _machines[3];
        body = body switch
        {
            "LONG" => $"{{\"input\": \"{new string('x', 4097)}\"}}",
            "HUGE" => $"{{\"action\": \"{new string('x', 70_000)}\"}}",
            _ => body,
        };
        var (got, problem, text, response) = await _api.SendAsync(new HttpMethod(method), $"/api/v1/machines/{machine}/{path}", ServeFixture.OperatorSecret, body);
        Assert.That((int)got, Is.EqualTo(status), text);
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That(problem!["field"]!.GetValue<string>(), Is.EqualTo(field), text);
        if (detail is not null) Assert.That(problem["detail"]!.GetValue<string>(), Is.EqualTo(detail), text);
        Assert.That(text, Does.Not.Contain("System.").And.Not.Contain("ConsoleInputBody"));
        Assert.That(text.Length, Is.LessThan(2500), "bounded");
    }

    [TestCase("GET", "console")]
    [TestCase("GET", "console/stream")]
    [TestCase("POST", "console")]
    [TestCase("POST", "power")]
    public async Task An_unknown_machine_is_404(string method, string path, CancellationToken ct)
    {
        var body = path == "power" ? (object)new { action = "On" } : method == "POST" ? new { input = "x" } : null;
        var (status, problem, text, _) = await _api.SendAsync(new HttpMethod(method), $"/api/v1/machines/no-such-machine/{path}", ServeFixture.OperatorSecret, body);
        Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound), text);
        Assert.That(problem!["detail"]!.GetValue<string>(), Does.Contain("no machine 'no-such-machine' in the pool"), text);
    }

    [Test]
    public async Task A_failing_bmc_is_502_naming_its_url_and_status_and_the_failure_is_audited(CancellationToken ct)
    {
        var machine = _machines[3];
        var bmcUrl = _lab.Pool.Machines.Single(m => m.Id == machine).Bmc.Url;
        // The lab's admin API (on 127.0.0.1, the BMCs' port): every Redfish request to this BMC answers 500 for now.
        using var admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{bmcUrl.Port}/") };
        using (var set = await admin.PutAsJsonAsync($"/lab/machines/{machine}/faults", new { errorRate = 1.0, errorStatus = 500 }, ct))
            Assert.That(set.StatusCode, Is.EqualTo(HttpStatusCode.OK), await set.Content.ReadAsStringAsync(ct));
        try
        {
            var (status, problem, text, _) = await _api.SendAsync(HttpMethod.Post, $"/api/v1/machines/{machine}/power", ServeFixture.OperatorSecret, new { action = "ForceRestart" });
            Assert.That(status, Is.EqualTo(HttpStatusCode.BadGateway), text);
            var detail = problem!["detail"]!.GetValue<string>();
            Assert.That(detail, Does.StartWith($"ForceRestart on machine {machine}: the BMC at {bmcUrl.GetLeftPart(UriPartial.Authority)}").And.Contain("answered HTTP 500"), text);
            Assert.That(text.Length, Is.LessThan(2500), "bounded");
            var power = (await _api.GetAsync($"/api/v1/machines/{machine}"))["events"]!.AsArray().Last(e => e!["kind"]!.GetValue<string>() == "power")!;
            Assert.That(power["reason"]!.GetValue<string>(), Does.StartWith("ForceRestart by oncall: failed (502)"), power.ToJsonString());
        }
        finally
        {
            using var clear = await admin.PutAsJsonAsync($"/lab/machines/{machine}/faults", new { }, CancellationToken.None);
        }
    }
}
