using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using TestFarm.Core.Hardware;
using TestFarm.Core.Provisioning;
using TestFarm.Provisioning.Boot;
using TestFarm.Testing;

namespace TestFarm.Provisioning.Tests;

/// <summary>
/// Boot tickets bound to their machine, over real HTTP: the service listens on 127.0.0.1 and the "machine" and the
/// "attacker" connect from different loopback source addresses (127.0.0.2 and 127.0.0.1).
/// </summary>
public sealed class BootBindingTests
{
    private const string Mac = "52:54:00:aa:bb:cc";
    private const string Machine = "127.0.0.2";
    private static readonly BootImage Image = new()
    {
        Name = "lab", BuildId = "b1", Cmdline = "console=ttyS0",
        Artifacts =
        [
            new() { Name = "vmlinuz", Kind = ArtifactKind.Kernel, Sha256 = new string('a', 64), Length = 1 },
            new() { Name = "initrd.img", Kind = ArtifactKind.Initrd, Sha256 = new string('b', 64), Length = 1 },
        ],
    };

    private BootServiceHost _host = null!;
    private readonly ConcurrentQueue<string> _logs = new();

    [SetUp]
    public async Task Start()
    {
        _logs.Clear();
        _host = await BootServiceHost.StartAsync(IPAddress.Loopback, 0, port => new Uri($"http://10.0.2.2:{port}"), new FakeTimeProvider(),
            logging => logging.AddProvider(new Capture(_logs)).SetMinimumLevel(LogLevel.Debug));
    }

    [TearDown]
    public async Task Stop() => await _host.DisposeAsync();

    private HttpClient From(string source) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
                await socket.ConnectAsync(IPAddress.Loopback, context.DnsEndPoint.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    }) { BaseAddress = _host.LocalUrl, Timeout = TimeSpan.FromSeconds(10) };

    private static StringContent Booted(string token, params string[] macs) => new(
        $$"""{"token":"{{token}}","buildId":"b1","macs":[{{string.Join(",", macs.Select(m => $"\"{m}\""))}}]}""", Encoding.UTF8, "application/json");

    private bool Audited(string machine, string caller) =>
        _logs.Any(l => l.StartsWith("Audit:", StringComparison.Ordinal) && l.Contains($"machine {machine}", StringComparison.Ordinal)
            && l.Contains($"caller {caller}", StringComparison.Ordinal));

    [TestCase("/boot/v1/ipxe?mac=")]
    [TestCase("/boot/v1/grub?mac=")]
    public async Task A_mac_keyed_script_is_refused_to_a_caller_other_than_the_machine_and_audited(string path)
    {
        var ticket = _host.Sessions.Issue("m1", Mac, Image, BootMethod.Pxe, TimeSpan.FromMinutes(5), expectedCaller: Machine);
        using var attacker = From("127.0.0.1");
        using var machine = From(Machine);

        using var refused = await attacker.GetAsync(path + Uri.EscapeDataString(Mac));
        var refusedText = await refused.Content.ReadAsStringAsync();

        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(refusedText, Does.Not.Contain(ticket.Token));
        Assert.That(ticket.Fetched.IsCompleted, Is.False, "a refused fetch does not count as the machine reaching network boot");
        Assert.That(Audited("m1", "127.0.0.1"), Is.True, string.Join("\n", _logs));

        using var served = await machine.GetAsync(path + Uri.EscapeDataString(Mac));
        Assert.That(served.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await served.Content.ReadAsStringAsync(), Does.Contain(ticket.Token));
        Assert.That(ticket.Fetched.IsCompleted, Is.True);
    }

    [Test]
    public async Task Without_an_expected_caller_any_caller_gets_the_script_as_on_qemu_user_networking()
    {
        var ticket = _host.Sessions.Issue("m1", Mac, Image, BootMethod.Pxe, TimeSpan.FromMinutes(5));
        using var other = From("127.0.0.3");
        using var served = await other.GetAsync("/boot/v1/ipxe?mac=" + Uri.EscapeDataString(Mac));
        Assert.That(served.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(ticket.Fetched.IsCompleted, Is.True);
    }

    [Test]
    public async Task A_booted_report_whose_macs_do_not_include_the_tickets_is_refused_audited_and_leaves_the_ticket_usable()
    {
        var ticket = _host.Sessions.Issue("m1", Mac, Image, BootMethod.Pxe, TimeSpan.FromMinutes(5));
        using var http = From("127.0.0.1");

        using var foreign = await http.PostAsync("/agent/v1/booted", Booted(ticket.Token, "52:54:00:aa:bb:01"));
        using var none = await http.PostAsync("/agent/v1/booted", Booted(ticket.Token));

        Assert.That(foreign.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await foreign.Content.ReadAsStringAsync(), Does.Contain("not issued to this machine"));
        Assert.That(none.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(ticket.Booted.IsCompleted, Is.False);
        Assert.That(_host.Sessions.SessionOf("m1"), Is.Null);
        Assert.That(Audited("m1", "127.0.0.1"), Is.True, string.Join("\n", _logs));

        using var own = await http.PostAsync("/agent/v1/booted", Booted(ticket.Token, "52-54-00-AA-BB-CC"));
        Assert.That(own.StatusCode, Is.EqualTo(HttpStatusCode.OK), await own.Content.ReadAsStringAsync());
        Assert.That((await ticket.Booted.WaitAsync(TimeSpan.FromSeconds(5))).Macs, Is.EqualTo(new[] { "52-54-00-AA-BB-CC" }));
    }

    [Test]
    public async Task A_booted_report_from_another_address_than_the_expected_caller_is_refused()
    {
        var ticket = _host.Sessions.Issue("m1", Mac, Image, BootMethod.Pxe, TimeSpan.FromMinutes(5), expectedCaller: Machine);
        using var attacker = From("127.0.0.1");
        using var machine = From(Machine);

        using var refused = await attacker.PostAsync("/agent/v1/booted", Booted(ticket.Token, Mac));
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(Audited("m1", "127.0.0.1"), Is.True, string.Join("\n", _logs));

        using var accepted = await machine.PostAsync("/agent/v1/booted", Booted(ticket.Token, Mac));
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(_host.Sessions.SessionOf("m1"), Is.Not.Null);
    }

    [Test]
    public async Task A_guessed_token_gets_403_and_a_log_entry_naming_the_caller()
    {
        _host.Sessions.Issue("m1", Mac, Image, BootMethod.Pxe, TimeSpan.FromMinutes(5));
        using var http = From("127.0.0.4");
        using var guessed = await http.PostAsync("/agent/v1/booted", Booted(new string('0', 48), Mac));
        Assert.That(guessed.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(_logs.Any(l => l.Contains("refused", StringComparison.Ordinal) && l.Contains("127.0.0.4", StringComparison.Ordinal)), Is.True,
            string.Join("\n", _logs));
    }

    private sealed class Capture(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(lines);
        public void Dispose() { }

        private sealed class Logger(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue(formatter(state, exception));
        }
    }
}
