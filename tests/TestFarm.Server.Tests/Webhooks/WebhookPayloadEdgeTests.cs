using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace TestFarm.Server.Tests.Webhooks;

/// <summary>Signed deliveries that GitHub's schema allows or an attacker with the secret could send: never a 500, never a run.</summary>
public sealed class WebhookPayloadEdgeTests
{
    private static async Task<JsonObject> ProblemAsync(HttpResponseMessage response)
    {
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    private static void AssertLoggedRefusal(WebhookTestHost host, string field) =>
        Assert.That(host.Logs.Lines.Any(l => l.Level == LogLevel.Warning && l.Message.Contains("rejected", StringComparison.Ordinal)
            && l.Message.Contains(field, StringComparison.Ordinal)), Is.True, string.Join("\n", host.Logs.Lines.Select(l => l.Message)));

    [TestCase("opened")]
    [TestCase("synchronize")]
    public async Task A_pull_request_without_a_head_is_refused_naming_the_field_and_logged(string action)
    {
        await using var host = await WebhookTestHost.StartAsync();
        var payload = WebhookTestHost.Fixture($"pull_request.{action}");
        payload["pull_request"]!.AsObject().Remove("head");

        using var response = await host.PostAsync("pull_request", payload);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var problem = await ProblemAsync(response);
        Assert.That(problem["field"]!.GetValue<string>(), Is.EqualTo("pull_request.head"));
        Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("pull_request.head is missing"));
        Assert.That(host.Trigger.Queued, Is.Empty);
        Assert.That(host.Trigger.Cancelled, Is.Empty);
        AssertLoggedRefusal(host, "pull_request.head");
    }

    [Test]
    public async Task A_null_head_or_null_sha_is_refused_naming_the_field()
    {
        await using var host = await WebhookTestHost.StartAsync();
        var nullHead = WebhookTestHost.Fixture("pull_request.opened");
        nullHead["pull_request"]!["head"] = null;
        var nullSha = WebhookTestHost.Fixture("pull_request.opened");
        nullSha["pull_request"]!["head"]!["sha"] = null;

        using var a = await host.PostAsync("pull_request", nullHead);
        using var b = await host.PostAsync("pull_request", nullSha);

        Assert.That((await ProblemAsync(a))["field"]!.GetValue<string>(), Is.EqualTo("pull_request.head"));
        Assert.That((await ProblemAsync(b))["field"]!.GetValue<string>(), Is.EqualTo("pull_request.head.sha"));
        Assert.That(new[] { a.StatusCode, b.StatusCode }, Is.All.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(host.Trigger.Queued, Is.Empty);
    }

    [Test]
    public async Task A_deleted_head_repository_still_queues_the_run()
    {
        await using var host = await WebhookTestHost.StartAsync();
        var payload = WebhookTestHost.Fixture("pull_request.opened");
        payload["pull_request"]!["head"]!["repo"] = null;

        using var response = await host.PostAsync("pull_request", payload);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        Assert.That(host.Trigger.Queued.Single().HeadSha, Is.EqualTo("ec26c3e57ca3a959ca5aad62de7213c562f8c821"));
    }

    [TestCase("../../x?y#z")]
    [TestCase("ec26c3e57ca3a959ca5aad62de7213c562f8c82")]
    [TestCase("ec26c3e57ca3a959ca5aad62de7213c562f8c8211")]
    [TestCase("zc26c3e57ca3a959ca5aad62de7213c562f8c821")]
    [TestCase("")]
    public async Task A_head_sha_that_is_not_40_hex_digits_starts_nothing(string sha)
    {
        await using var host = await WebhookTestHost.StartAsync();
        var payload = WebhookTestHost.Fixture("pull_request.synchronize");
        payload["pull_request"]!["head"]!["sha"] = sha;

        using var response = await host.PostAsync("pull_request", payload);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var problem = await ProblemAsync(response);
        Assert.That(problem["field"]!.GetValue<string>(), Is.EqualTo("pull_request.head.sha"));
        Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("40 hex digits"));
        Assert.That(host.Trigger.Queued, Is.Empty);
        Assert.That(host.Trigger.Cancelled, Is.Empty, "a refused synchronize cancels nothing either");
        Assert.That(host.Reporter.ApprovalsNeeded, Is.Empty);
    }

    [Test]
    public async Task A_check_run_or_check_suite_rerequest_with_a_bad_head_sha_starts_nothing()
    {
        await using var host = await WebhookTestHost.StartAsync();
        var run = WebhookTestHost.Fixture("check_run.rerequested");
        run["check_run"]!["head_sha"] = "../../x?y#z";
        var suite = WebhookTestHost.Fixture("check_suite.rerequested");
        suite["check_suite"]!["head_sha"] = null;

        using var a = await host.PostAsync("check_run", run);
        using var b = await host.PostAsync("check_suite", suite);

        Assert.That(new[] { a.StatusCode, b.StatusCode }, Is.All.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await ProblemAsync(a))["field"]!.GetValue<string>(), Is.EqualTo("check_run.head_sha"));
        Assert.That((await ProblemAsync(b))["field"]!.GetValue<string>(), Is.EqualTo("check_suite.head_sha"));
        Assert.That(host.Trigger.Queued, Is.Empty);
    }

    [TestCase("{\"action\": \"opened\", \"pull_request\": ", "$.pull_request")]
    [TestCase("{\"action\": \"opened\", \"number\": \"two\"}", "$.number")]
    [TestCase("{\"action\": \"opened\", \"pull_request\": {\"head\": 7}}", "$.pull_request.head")]
    [TestCase("not json", "$")]
    public async Task Malformed_json_is_refused_with_400_naming_where_and_why_without_type_names(string body, string path)
    {
        await using var host = await WebhookTestHost.StartAsync();

        using var response = await host.PostAsync("pull_request", Encoding.UTF8.GetBytes(body));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var detail = (await ProblemAsync(response))["detail"]!.GetValue<string>();
        Assert.That(detail, Does.StartWith($"malformed JSON at {path} (line 1, byte "));
        Assert.That(detail, Does.Not.Contain("System.").And.Not.Contain("TestFarm."));
        Assert.That(host.Trigger.Queued, Is.Empty);
    }

    [Test]
    public async Task A_refused_delivery_can_be_redelivered_once_fixed_under_the_same_id()
    {
        await using var host = await WebhookTestHost.StartAsync();
        var broken = WebhookTestHost.Fixture("pull_request.opened");
        broken["pull_request"]!["head"]!["sha"] = "../../x?y#z";

        using var refused = await host.PostAsync("pull_request", broken, delivery: "d-7");
        using var fixedUp = await host.PostAsync("pull_request", WebhookTestHost.Fixture("pull_request.opened"), delivery: "d-7");

        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(fixedUp.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(host.Trigger.Queued, Has.Count.EqualTo(1));
    }
}
