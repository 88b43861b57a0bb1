using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TestFarm.Core.Hardware;
using TestFarm.Core.Provisioning;
using TestFarm.Provisioning.Boot;
using TestFarm.Testing;
using TestFarm.Testing.Provisioning;

namespace TestFarm.Provisioning.Tests;

/// <summary>The boot service over real HTTP on 127.0.0.1 (Kestrel, port 0).</summary>
public sealed class BootServiceTests
{
    private FakeTimeProvider _time = null!;
    private BootServiceHost _host = null!;
    private HttpClient Http { get; set; } = null!;
    private TempDirectory Dir { get; set; } = null!;
    private BootImage _image = null!;

    [SetUp]
    public async Task Start()
    {
        _time = new FakeTimeProvider();
        _host = await BootServiceHost.StartAsync(IPAddress.Loopback, 0, port => new Uri($"http://10.0.2.2:{port}"), _time);
        Http = new HttpClient { BaseAddress = _host.LocalUrl, Timeout = TimeSpan.FromSeconds(10) };
        Dir = new TempDirectory("tf-boot");
        var kernel = Enumerable.Range(0, 100_000).Select(i => (byte)(i * 7)).ToArray();
        await File.WriteAllBytesAsync(Dir.File("vmlinuz"), kernel);
        await File.WriteAllBytesAsync(Dir.File("initrd.img"), Encoding.ASCII.GetBytes("initrd"));
        _image = new BootImage
        {
            Name = "lab", BuildId = "b1", Cmdline = "console=ttyS0",
            Artifacts =
            [
                new() { Name = "vmlinuz", Kind = ArtifactKind.Kernel, Sha256 = Convert.ToHexStringLower(SHA256.HashData(kernel)), Length = kernel.Length },
                new() { Name = "initrd.img", Kind = ArtifactKind.Initrd, Sha256 = Convert.ToHexStringLower(SHA256.HashData("initrd"u8)), Length = 6 },
            ],
        };
        _host.Artifacts.AddImage(_image, Dir.Path);
    }

    [TearDown]
    public async Task Stop()
    {
        Http.Dispose();
        await _host.DisposeAsync();
        Dir.Dispose();
    }

    [Test]
    public async Task The_grub_entry_answers_a_grub_script_through_the_chain_device_and_marks_the_fetch()
    {
        var ticket = _host.Sessions.Issue("arm-1", "52:54:00:AA:00:01", _image, BootMethod.Pxe, TimeSpan.FromMinutes(5));

        var missing = await Http.GetAsync("/boot/v1/grub?mac=52:54:00:aa:00:09");
        Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await missing.Content.ReadAsStringAsync(), Does.Contain("no pending boot").And.Contain("halt"));
        Assert.That(ticket.Fetched.IsCompleted, Is.False);

        var script = await Http.GetStringAsync("/boot/v1/grub?mac=52:54:00:aa:00:01");

        var kernel = _image.Artifact(ArtifactKind.Kernel)!;
        Assert.That(script, Does.Not.StartWith("#!ipxe"));
        Assert.That(script, Does.Contain($"linux ${{tf}}/boot/v1/artifacts/{kernel.Sha256}/vmlinuz console=ttyS0 testfarm.url=http://10.0.2.2:"));
        Assert.That(script, Does.Contain($"testfarm.token={ticket.Token} "));
        Assert.That(script, Does.Contain("initrd ${tf}/boot/v1/artifacts/").And.EndWith("boot\n"));
        Assert.That(ticket.Fetched.IsCompleted, Is.True, "the network boot is reached when GRUB fetches its script");
        Assert.That(GrubScript.Chain("10.0.2.100", "/boot/v1/grub"), Does.Contain("insmod http\nset tf=(http,10.0.2.100)\n").And.Contain("source ${tf}/boot/v1/grub?mac=${net_default_mac}"));
    }

    [Test]
    public async Task The_mac_keyed_entry_answers_the_pending_script_with_kernel_initrd_and_token()
    {
        var ticket = _host.Sessions.Issue("m1", "52:54:00:AA:BB:CC", _image, BootMethod.Pxe, TimeSpan.FromMinutes(5));

        var script = await Http.GetStringAsync("/boot/v1/ipxe?mac=52%3A54%3A00%3Aaa%3Abb%3Acc");

        Assert.That(script, Does.StartWith("#!ipxe\n"));
        Assert.That(script, Does.Contain($"kernel http://10.0.2.2:{_host.Port}/boot/v1/artifacts/{_image.Artifacts[0].Sha256}/vmlinuz initrd=initrd.img console=ttyS0 testfarm.url=http://10.0.2.2:{_host.Port} testfarm.token={ticket.Token}"));
        Assert.That(script, Does.Contain($"initrd http://10.0.2.2:{_host.Port}/boot/v1/artifacts/{_image.Artifacts[1].Sha256}/initrd.img"));
        Assert.That(ticket.Fetched.IsCompleted, Is.True, "network boot reached");
        Assert.That(await Http.GetStringAsync($"/boot/v1/ipxe/{ticket.Token}"), Is.EqualTo(script));
    }

    [Test]
    public async Task No_pending_boot_answers_404()
    {
        using var response = await Http.GetAsync("/boot/v1/ipxe?mac=52:54:00:00:00:99");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Artifacts_have_their_length_digest_and_honour_ranges()
    {
        var kernel = _image.Artifacts[0];
        using var whole = await Http.GetAsync($"/boot/v1/artifacts/{kernel.Sha256}/vmlinuz");
        Assert.That(whole.Content.Headers.ContentLength, Is.EqualTo(100_000));
        Assert.That(whole.Headers.GetValues("X-Checksum-Sha256").Single(), Is.EqualTo(kernel.Sha256));
        Assert.That(Convert.ToHexStringLower(SHA256.HashData(await whole.Content.ReadAsByteArrayAsync())), Is.EqualTo(kernel.Sha256));

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/boot/v1/artifacts/{kernel.Sha256}/vmlinuz");
        request.Headers.Range = new RangeHeaderValue(1000, 1009);
        using var part = await Http.SendAsync(request);
        Assert.That(part.StatusCode, Is.EqualTo(HttpStatusCode.PartialContent));
        Assert.That(part.Content.Headers.ContentRange!.ToString(), Is.EqualTo("bytes 1000-1009/100000"));
        Assert.That(await part.Content.ReadAsByteArrayAsync(), Is.EqualTo(Enumerable.Range(1000, 10).Select(i => (byte)(i * 7)).ToArray()));

        using var missing = await Http.GetAsync($"/boot/v1/artifacts/{new string('0', 64)}/vmlinuz");
        Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task A_booted_callback_is_accepted_once_then_replays_and_foreign_tokens_are_refused()
    {
        var ticket = _host.Sessions.Issue("m1", "52:54:00:aa:bb:cc", _image, BootMethod.Pxe, TimeSpan.FromMinutes(5));
        var body = Booted(ticket.Token);

        using var first = await Http.PostAsync("/agent/v1/booted", Json(body));
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await first.Content.ReadAsStringAsync(), Does.Match("^session [0-9a-f]{48}\n$"));
        var report = await ticket.Booted.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.That(report.Nics[0].Driver, Is.EqualTo("virtio_net"));
        Assert.That(report.ToObserved().MemoryGiB, Is.EqualTo(1.0));

        using var replay = await Http.PostAsync("/agent/v1/booted", Json(body));
        Assert.That(replay.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        using var foreign = await Http.PostAsync("/agent/v1/booted", Json(Booted("f00d")));
        Assert.That(foreign.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        using var script = await Http.GetAsync($"/boot/v1/ipxe/{ticket.Token}");
        Assert.That(script.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "a used token serves no script");
        using var garbage = await Http.PostAsync("/agent/v1/booted", new StringContent("{", Encoding.UTF8, "application/json"));
        Assert.That(garbage.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task An_expired_token_is_refused()
    {
        var ticket = _host.Sessions.Issue("m1", "52:54:00:aa:bb:cc", _image, BootMethod.Pxe, TimeSpan.FromMinutes(5));
        _time.Advance(TimeSpan.FromMinutes(6));

        using var late = await Http.PostAsync("/agent/v1/booted", Json(Booted(ticket.Token)));

        Assert.That(late.StatusCode, Is.EqualTo(HttpStatusCode.Gone));
        Assert.That(ticket.Booted.IsCompleted, Is.False);
    }

    [Test]
    public async Task The_wipe_action_is_polled_and_its_cleaned_callback_is_single_use()
    {
        var ticket = _host.Sessions.Issue("m1", "52:54:00:aa:bb:cc", _image, BootMethod.Pxe, TimeSpan.FromMinutes(5));
        using var booted = await Http.PostAsync("/agent/v1/booted", Json(Booted(ticket.Token)));
        var session = (await booted.Content.ReadAsStringAsync()).Split(' ')[1].Trim();
        Assert.That(await Http.GetStringAsync($"/agent/v1/action?session={session}"), Is.EqualTo("none\n"));

        var action = _host.Sessions.RequestWipe("m1", TimeSpan.FromMinutes(5))!;
        var line = await Http.GetStringAsync($"/agent/v1/action?session={session}");
        Assert.That(line, Is.EqualTo($"wipe {action.Token}\n"));

        var cleaned = new StringContent($$"""{"token":"{{action.Token}}","wiped":["vda"],"failed":[]}""", Encoding.UTF8, "application/json");
        using var ok = await Http.PostAsync("/agent/v1/cleaned", cleaned);
        Assert.That(ok.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await action.Completed.WaitAsync(TimeSpan.FromSeconds(5))).Wiped, Is.EqualTo(new[] { "vda" }));
        using var again = await Http.PostAsync("/agent/v1/cleaned", new StringContent($$"""{"token":"{{action.Token}}"}""", Encoding.UTF8, "application/json"));
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
    }

    [TestCase("/agent/v1/booted", """{"token":null}""", "required field missing: 'buildId'")]
    [TestCase("/agent/v1/booted", """{"token":null,"buildId":"b1"}""", "token: the one-time token is required, was null")]
    [TestCase("/agent/v1/booted", """{"token":"","buildId":"b1"}""", "token: the one-time token is required, was empty")]
    [TestCase("/agent/v1/booted", """{"token":"t","buildId":"b1","nics":[null]}""", "nics[0]: must be an object, was null")]
    [TestCase("/agent/v1/booted", """null""", "body: must be the agent's report as a JSON object, was null")]
    [TestCase("/agent/v1/booted", """{"token":"t","buildId":"b1","cpu":{"count":"many"}}""", "body: not the agent's JSON report at $.cpu.count")]
    [TestCase("/agent/v1/cleaned", """{"token":null}""", "token: the one-time token is required, was null")]
    [TestCase("/agent/v1/cleaned", """{"token":"t","wiped":[null]}""", "wiped[0]: required, was null")]
    public async Task A_malformed_agent_callback_is_refused_naming_the_field(string path, string body, string expected)
    {
        using var reply = await Http.PostAsync(path, Json(body));

        Assert.That(reply.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(reply.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        var text = await reply.Content.ReadAsStringAsync();
        Assert.That(text, Does.Contain(expected));
        Assert.That(text, Does.Not.Contain("Report").And.Not.Contain("System."), "no .NET type name in the answer");
    }

    [Test]
    public async Task Optional_lists_left_out_or_null_are_empty()
    {
        var ticket = _host.Sessions.Issue("m1", "52:54:00:aa:bb:cc", _image, BootMethod.Pxe, TimeSpan.FromMinutes(5));

        // The MACs prove the caller is the machine (see BootBindingTests), so only the other lists are left out here.
        using var booted = await Http.PostAsync("/agent/v1/booted", Json($$"""{"token":"{{ticket.Token}}","buildId":"b1","macs":["52:54:00:aa:bb:cc"],"nics":null,"disks":null}"""));

        Assert.That(booted.StatusCode, Is.EqualTo(HttpStatusCode.OK), await booted.Content.ReadAsStringAsync());
        var report = await ticket.Booted.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.That(report.Disks, Is.Empty);
        Assert.That(report.ToObserved().Nics, Is.Empty);
    }

    [Test]
    public async Task An_oversized_agent_callback_is_refused_and_not_echoed()
    {
        var huge = new string('a', 300_000);
        using var longToken = await Http.PostAsync("/agent/v1/booted", Json($$"""{"token":"{{huge}}","buildId":"b1"}"""));
        using var longList = await Http.PostAsync("/agent/v1/booted", Json($$"""{"token":"t","buildId":"b1","macs":[{{string.Join(",", Enumerable.Repeat("\"m\"", 300))}}]}"""));

        Assert.That(longToken.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        var text = await longToken.Content.ReadAsStringAsync();
        Assert.That(text, Does.Contain("body: at most 262144 bytes"));
        Assert.That(text.Length, Is.LessThan(1000), "the input is never echoed");
        Assert.That(longList.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await longList.Content.ReadAsStringAsync(), Does.Contain("macs: at most 256 entries, was 300"));
    }

    private static string Booted(string token) =>
        $$"""{"token":"{{token}}","buildId":"b1","macs":["52:54:00:aa:bb:cc"],"cpu":{"count":2,"sockets":1},"memoryKiB":1048576,"nics":[{"name":"eth0","mac":"52:54:00:aa:bb:cc","driver":"virtio_net","speedMbps":null}],"disks":[{"name":"vda","sizeBytes":67108864,"rotational":true}]}""";

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
