using System.Net;
using System.Text;
using TestFarm.Cli.Commands.Fuzz;
using TestFarm.Kubernetes.Kubeconfig;
using TestFarm.Provisioning.Boot;
using TestFarm.Redfish.Http;
using TestFarm.Scenarios.Import;

namespace TestFarm.Cli.Tests.Fuzz;

/// <summary>
/// What the fuzzer found, each reduced to its smallest form: every one threw or echoed unbounded input before its fix.
/// </summary>
public sealed class FuzzFindingsTests
{
    private static readonly string Long = new('q', 100_000);

    [Test]
    public void A_junit_file_with_a_huge_element_name_is_refused_with_a_bounded_message()
    {
        var root = Assert.Throws<ResultImportException>(() => JUnitReader.Read(Stream("<" + Long + "/>"), "r.xml"))!;
        var mismatch = Assert.Throws<ResultImportException>(() => JUnitReader.Read(Stream("<testsuite><" + Long + "></x></testsuite>"), "m.xml"))!;

        Assert.That(root.Message, Does.StartWith("r.xml:1:2: root element <qqq").And.Length.LessThan(400));
        Assert.That(mismatch.Message, Does.StartWith("m.xml:1:").And.Contain("invalid XML").And.Length.LessThan(600));
    }

    [Test]
    public void An_e2e_log_count_past_int_max_is_refused_at_its_line_not_an_overflow()
    {
        var log = "header\nRan 99999999999 of 7000 Specs in 1 seconds\nSUCCESS! -- 1 Passed | 0 Failed | 0 Pending | 6999 Skipped\n";

        var e = Assert.Throws<ResultImportException>(() => GinkgoSummaryParser.Parse(new StringReader(log), "e2e.log"))!;

        Assert.That(e.Message, Is.EqualTo("e2e.log:2:5: the count 99999999999 is larger than 2147483647"));
    }

    [TestCase("", "k: the kubeconfig is empty")]
    [TestCase("current-context: a\ncontexts: [~]\n", "k: no entry named 'a' in 'contexts'")]
    [TestCase("current-context: a\ncontexts: [~, {name: a, context: {cluster: c, user: u}}]\nclusters: [~]\n", "k: no entry named 'c' in 'clusters'")]
    public void A_kubeconfig_that_is_empty_or_has_null_entries_is_refused_naming_the_source(string text, string message)
    {
        var e = Assert.Throws<KubeconfigException>(() => KubeconfigLoader.Parse(text, "k"))!;

        Assert.That(e.Message, Is.EqualTo(message));
    }

    [Test]
    public void A_kubeconfig_the_yaml_scanner_chokes_on_is_refused_as_invalid_yaml()
    {
        // YamlDotNet's scanner throws InvalidOperationException here (an unclosed flow mapping, then a key at column 0).
        var e = Assert.Throws<KubeconfigException>(() => KubeconfigLoader.Parse("    context: { cluster: lab, user: admin, Qo=\ncontexts:", "k"))!;

        Assert.That(e.Message, Does.StartWith("k: kubeconfig is not valid YAML: "));
    }

    [Test]
    public void A_kubeconfig_cluster_without_its_cluster_part_is_refused_without_a_dotnet_type_name()
    {
        const string text = "current-context: a\ncontexts: [{name: a, context: {cluster: c, user: u}}]\nclusters: [{name: c, ':cluster': {server: 'https://127.0.0.1:6443'}}]\nusers: [{name: u, user: {token: t}}]\n";

        var e = Assert.Throws<KubeconfigException>(() => KubeconfigLoader.Parse(text, "k"))!;

        Assert.That(e.Message, Does.StartWith("k: context 'a': ").And.Not.Contain("k8s."));
    }

    [Test]
    public void A_bmc_error_reply_with_a_huge_message_gives_a_bounded_error_naming_the_url()
    {
        var body = "{\"error\":{\"code\":\"Base.1.8.GeneralError\",\"message\":\"" + Long + "\",\"@Message.ExtendedInfo\":[{\"MessageId\":\"" + Long
                   + "\",\"Message\":\"" + Long + "\"}]}}";

        var e = RedfishErrors.FromResponse(HttpMethod.Patch, new Uri("https://bmc.example/redfish/v1/Systems/1"), HttpStatusCode.BadRequest, body);

        Assert.That(e.Message, Does.StartWith("PATCH https://bmc.example/redfish/v1/Systems/1 answered 400 BadRequest: qqq").And.Length.LessThan(1300));
    }

    [Test]
    public async Task An_agent_report_with_a_huge_property_name_is_refused_with_a_bounded_json_path()
    {
        var (report, problem) = await AgentReportReader.ReadBootedAsync(Stream($$"""{"{{Long}}": [}"""), CancellationToken.None);

        Assert.That(report, Is.Null);
        Assert.That(problem, Does.StartWith("body: not the agent's JSON report at $.qqq").And.Length.LessThan(300));
    }

    [TestCase("webhook", "pull_request\n{\"action\":\"")]
    [TestCase("trigger-body", "{\"")]
    [TestCase("agent-cleaned", "{\"")]
    public void A_body_with_a_huge_property_name_is_refused_with_a_bounded_message_naming_the_path(string target, string prefix)
    {
        var input = Encoding.UTF8.GetBytes(prefix + Long + "\": [}");

        var outcome = FuzzHarness.RunOne(FuzzTargets.Find(target)!, input);

        Assert.That(outcome.CrashDetail, Is.Null);
        Assert.That(outcome.Rejection, Does.Contain(" at $").And.Length.LessThan(600));
    }

    [Test]
    public void A_signed_delivery_whose_action_is_not_valid_utf8_is_malformed_json_not_an_exception()
    {
        byte[] input = [.. "pull_request\n{\"action\":\""u8, 0xC3, 0x28, .. "\",\"number\":1}"u8];

        var outcome = FuzzHarness.RunOne(FuzzTargets.Find("webhook")!, input);

        Assert.That(outcome.CrashDetail, Is.Null);
        Assert.That(outcome.Rejection, Does.StartWith("body: malformed JSON at $.action"));
    }

    [Test]
    public void A_signed_delivery_with_an_unreadable_date_is_malformed_json_at_that_field_not_an_exception()
    {
        var input = Encoding.UTF8.GetBytes("pull_request\n{\"action\":\"opened\",\"number\":1,\"pull_request\":{\"number\":1,\"created_at\":\"2019-\"}}");

        var outcome = FuzzHarness.RunOne(FuzzTargets.Find("webhook")!, input);

        Assert.That(outcome.CrashDetail, Is.Null);
        Assert.That(outcome.Rejection, Is.EqualTo("body: malformed JSON at $.pull_request.created_at: a date-time value is not valid (ISO 8601 expected)"));
    }

    [Test]
    public void A_configmaps_embedded_config_cut_short_is_an_error_inside_the_file()
    {
        const string text = "apiVersion: v1\nkind: ConfigMap\ndata:\n  config.yaml: |\n    namespace:\n      - { kind: a\n";

        var errors = TestFarm.Configuration.Import.CookiemonsterImport.Import("cm.yaml", text).Errors;

        Assert.That(errors, Is.Not.Empty);
        Assert.That(errors.Select(e => (e.Line, e.Column)), Has.All.Matches<(int Line, int Column)>(p => p.Line <= 7 && (p.Line < 7 || p.Column == 1)),
            string.Join("; ", errors));
        Assert.That(errors[0].Message, Does.StartWith("'data.config.yaml': "));
    }

    private static MemoryStream Stream(string text) => new(Encoding.UTF8.GetBytes(text));
}
