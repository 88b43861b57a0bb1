using System.Text.Json.Nodes;
using TestFarm.Configuration;
using TestFarm.Configuration.Import;
using TestFarm.Core.Configuration;
using TestFarm.Core.Suites;
using TestFarm.Scenarios.Chaos;
using TestFarm.Scenarios.Settings;
using TestFarm.Scenarios.Validation;
using TestFarm.Testing;

namespace TestFarm.Scenarios.Tests.Import;

/// <summary>Every Cookiemonster fixture imports as a suite the farm accepts, or is refused naming file:line:col and the field.</summary>
public sealed class CookiemonsterImportTests
{
    private static string Fixture(string name) => Fixtures.Shared("chaos", "cookiemonster", name);

    private static IEnumerable<string> AllFixtures() =>
        Directory.EnumerateFiles(Fixtures.Shared("chaos", "cookiemonster"), "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(Fixtures.Shared("chaos", "cookiemonster"), f)).Order(StringComparer.Ordinal);

    private static ImportResult Import(string name) => CookiemonsterImport.Import(name, File.ReadAllText(Fixture(name)));

    /// <summary>The imported suite loaded as the farm loads suites, with the chaos step checks.</summary>
    private static (Suite Suite, IReadOnlyList<ConfigError> Errors) Load(string yaml)
    {
        var set = ConfigurationLoader.Load([new ConfigFile("scenarios/suites/imported.yaml", yaml)], [new ChaosStepValidator()]);
        return (set.Suites.Single().Value, set.Errors);
    }

    [Test]
    public void Every_fixture_imports_or_is_refused_precisely()
    {
        var refused = new List<string>();
        foreach (var name in AllFixtures())
        {
            var result = Import(name);
            if (result.SuiteYaml is null)
            {
                refused.Add(name);
                Assert.That(result.Errors, Is.Not.Empty, name);
                var lines = File.ReadAllLines(Fixture(name));
                foreach (var e in result.Errors)
                {
                    Assert.That(e.File, Is.EqualTo(name));
                    Assert.That(e.Line, Is.InRange(1, lines.Length), e.ToString());
                    // The place is the field's value: the column points at the nodeexec "commands" list.
                    Assert.That(lines[e.Line - 1][..(e.Column - 1)], Does.EndWith("\"commands\": "), e.ToString());
                    Assert.That(e.Message, Does.Contain("'commands' is a nodeexec cookie"));
                }
                continue;
            }
            var (suite, errors) = Load(result.SuiteYaml);
            Assert.That(errors, Is.Empty, $"{name}:\n{result.SuiteYaml}");
            Assert.That(suite.Steps, Is.Not.Empty);
            Assert.That(suite.Steps.Select(s => s.Settings["action"]), Is.All.EqualTo("kill-pods"));
        }
        Assert.That(refused, Is.EqualTo(new[] { "legacy-v2/cookiemonster-cm-nodeexec.yaml", "legacy-v2/nodeexec-test-exec-all.json" }));
    }

    [Test]
    public void The_current_config_keeps_every_resource_its_rate_and_its_duration()
    {
        var result = Import("config.yaml");
        var step = Load(result.SuiteYaml!).Suite.Steps.Single();
        var s = new StepSettings(step);
        var settings = ChaosSettings.Read(s);
        Assert.That(s.Errors, Is.Empty);
        Assert.That(settings.Interval, Is.EqualTo(TimeSpan.FromSeconds(60)));
        Assert.That(settings.Duration, Is.EqualTo(TimeSpan.FromMinutes(10)));
        Assert.That(settings.Pods.Select(p => $"{p.Namespace}/{p.OwnerKind}/{p.OwnerName}/{p.Target}"), Is.EqualTo(new[]
        {
            "openstack/deployment//1", "openstack/daemonset//1", "openstack/statefulset/mariadb/1", "openstack/statefulset/rabbitmq/1",
        }));
        Assert.That(result.Notes, Has.Some.Contains("daemonset"));
    }

    [Test]
    public void The_ConfigMap_and_the_API_body_import_like_the_file_they_carry()
    {
        var fromFile = Load(Import("config.yaml").SuiteYaml!).Suite.Steps.Single().Settings["namespaces"];
        var fromMap = Load(Import("cookiemonster-cm-config.yaml").SuiteYaml!).Suite.Steps.Single().Settings["namespaces"];
        Assert.That(fromMap, Is.EqualTo(fromFile));
        var api = Load(Import("api-v1-pod-start.request.json").SuiteYaml!).Suite.Steps.Single();
        Assert.That(api.Settings["interval"], Is.EqualTo("60s"));
        var legacy = Load(Import("legacy-v2/cookiemonster-cm-killpod.yaml").SuiteYaml!).Suite.Steps;
        Assert.That(legacy.Select(s => $"{s.Name} {s.Settings["interval"]}"), Is.EqualTo(new[]
        {
            "cookiemonster-openstack-random-daemonset 60s", "cookiemonster-openstack-random-deployment 30s", "cookiemonster-openstack-random-statefulset 60s",
        }));
    }

    [TestCase("namespace:\n  - name: openstack\n    resource:\n      - kind: replicaset\n        target: 1\ninterval: 60\nduration: 600\n",
        "c.yaml:4:15: 'namespace[0].resource[0].kind' must be deployment, statefulset or daemonset, was 'replicaset'")]
    [TestCase("namespace:\n  - name: openstack\n    resource:\n      - kind: deployment\n        target: 0\ninterval: 60\nduration: 600\n",
        "c.yaml:5:17: 'namespace[0].resource[0].target' must be a whole number from 1 to 1000, was '0'")]
    [TestCase("namespace:\n  - name: Open_Stack\n    resource: [{kind: deployment}]\ninterval: 60\nduration: 600\n",
        "c.yaml:2:11: 'namespace[0].name' must be a namespace name, was 'Open_Stack'")]
    [TestCase("namespace:\n  - name: openstack\n    resource: [{kind: deployment}]\ninterval: abc\nduration: 600\n",
        "c.yaml:4:11: 'interval' must be a whole number from 1 to 21600, was 'abc'")]
    [TestCase("namespace:\n  - name: openstack\n    resource: [{kind: deployment}]\ninterval: 60\nduration: 30\n",
        "c.yaml:5:11: 'duration' (30s) is shorter than 'interval' (60s): nothing would be killed")]
    [TestCase("namespace:\n  - name: openstack\n    resource: [{kind: deployment}]\ninterval: 60\nduration: 600\nretries: 3\n",
        "c.yaml:6:1: unknown field 'retries' (known: namespace, interval, duration, slack)")]
    [TestCase("{\"kind\": \"deployment\", \"namespace\": \"openstack\", \"interval\": 30}",
        "c.yaml:1:1: 'duration' is required")]
    [TestCase("apiVersion: v1\nkind: ConfigMap\ndata:\n  config.yaml: |-\n    namespace:\n      - name: openstack\n        resource:\n          - kind: job\n    interval: 60\n    duration: 600\n",
        "c.yaml:8:19: 'data.config.yaml': 'namespace[0].resource[0].kind' must be deployment, statefulset or daemonset, was 'job'")]
    [TestCase("hello: world\n", "c.yaml:1:1: not a Cookiemonster config: expected 'namespace: [...]' (current config), 'kind'/'namespace' (a killpod cookie) or a ConfigMap of them")]
    [TestCase("namespace: [\n", "c.yaml:2:1: YAML syntax error: While parsing a node, did not find expected node content.")]
    public void A_config_it_cannot_import_is_refused_naming_the_place_and_the_field(string text, string expected)
    {
        var result = CookiemonsterImport.Import("c.yaml", text);
        Assert.That(result.SuiteYaml, Is.Null);
        Assert.That(result.Errors.Select(e => e.ToString()), Is.EqualTo(new[] { expected }));
    }

    [TestCase("Deployment", "web", "ReplicaSet", "web-5d9c7b", "5d9c7b", true)]
    [TestCase("deployment", null, "ReplicaSet", "web-5d9c7b", "5d9c7b", true)]
    [TestCase("deployment", "api", "ReplicaSet", "web-5d9c7b", "5d9c7b", false)]
    [TestCase("statefulset", "mariadb", "StatefulSet", "mariadb", null, true)]
    [TestCase("daemonset", null, "StatefulSet", "mariadb", null, false)]
    [TestCase("deployment", "web", "Deployment", "web", null, true)]
    public void A_pod_kill_by_owner_finds_the_workload_through_its_controller(string kind, string? name, string ownerKind, string ownerName, string? hash, bool expected)
    {
        var pod = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = "p",
                ["labels"] = hash is null ? new JsonObject() : new JsonObject { ["pod-template-hash"] = hash },
                ["ownerReferences"] = new JsonArray(new JsonObject { ["kind"] = ownerKind, ["name"] = ownerName, ["controller"] = true }),
            },
        };
        Assert.That(PodOwners.Matches(pod, kind, name), Is.EqualTo(expected));
    }
}
