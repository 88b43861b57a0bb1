using Microsoft.Extensions.DependencyInjection;
using TestFarm.Core.Configuration;
using TestFarm.Testing;

namespace TestFarm.Scenarios.Tests.Engine;

public sealed class ValidationTests
{
    [TestCase("conformance-quick")]
    [TestCase("conformance-certified")]
    [TestCase("api-smoke")]
    [TestCase("chaos-cookiemonster")]
    [TestCase("chaos-power")]
    public void ShippedSuitesValidate(string name)
    {
        var file = SuiteFileReader.Read(Fixtures.Repo("scenarios", "suites", name + ".yaml"));
        Assert.That(file.Errors.Select(e => e.ToString()), Is.Empty);
        Assert.That(file.Suite!.Name, Is.EqualTo(name));
    }

    [Test]
    public void BadStepsAreErrorsAtTheirFileLineAndColumn()
    {
        using var dir = new TempDirectory();
        var path = dir.File("bad.yaml");
        File.WriteAllText(path, """
            name: bad
            steps:
              - kind: chaos
                name: kill
                action: kill-pods
                namespace: kube-system
                labelSelector: "app==,=x"
                target: 0
                interval: 30s
                duration: 10s
              - kind: chaos
                name: off
                action: power-off
                duration: forever
              - kind: api-checks
                name: api
                tags: [smok]
                include: "([a-z"
                workers: 0
              - kind: probe
                name: p
                deadline: 1s
                probeInterval: 5s
                probes:
                  - { type: ping, name: x }
              - kind: load
                name: l
                pods: 100
                rate: 0
                colour: red
              - kind: teleport
                name: t
            """);
        var errors = SuiteFileReader.Read(path).Errors.Select(e => e.ToString()).ToList();
        Assert.That(errors, Is.EqualTo(new[]
        {
            $"{path}:3:5: chaos step 'kill': bad key '' in label selector 'app==,=x'",
            $"{path}:3:5: chaos step 'kill': 'target' must be between 1 and 1000, was 0",
            $"{path}:3:5: chaos step 'kill': 'duration' (10s) is shorter than 'interval' (30s): nothing would be killed",
            $"{path}:11:5: chaos step 'off': 'duration' must be a duration like 30s, 5m or 1h, was 'forever'",
            $"{path}:11:5: chaos step 'off': 'power-off' needs 'node' (node name or machine id) or 'role'",
            $"{path}:15:5: api-checks step 'api': unknown tag 'smok' (known: {string.Join(", ", Checks.ApiCheckCatalogue.KnownTags.Order(StringComparer.Ordinal))})",
            $"{path}:15:5: api-checks step 'api': 'include' is not a valid regular expression: Invalid pattern '([a-z' at offset 5. Unterminated [] set.",
            $"{path}:15:5: api-checks step 'api': 'workers' must be between 1 and 64, was 0",
            $"{path}:20:5: probe step 'p': step 'p' probes[0]: unknown probe type 'ping' (known: pods-ready, ceph-health, loadbalancer, http, tcp, nodes-ready)",
            $"{path}:20:5: probe step 'p': 'probeInterval' (5s) is longer than 'deadline' (1s)",
            $"{path}:26:5: load step 'l': unknown setting 'colour' for a load step (known: description, maxLatency, namespace, pods, rate, readyTimeout)",
            $"{path}:26:5: load step 'l': 'rate' must be between 0.001 and 1000, was 0",
            $"{path}:31:11: unknown step kind 'teleport' (allowed: conformance, junit, api-checks, chaos, probe, load)",
        }));
    }

    [Test]
    public void AddTestFarmScenariosRegistersOneValidatorPerStepKindOnce()
    {
        var services = new ServiceCollection();
        services.AddTestFarmScenarios();
        services.AddTestFarmScenarios();
        using var provider = services.BuildServiceProvider();
        var kinds = provider.GetServices<IStepValidator>().Select(v => v.Kind).ToList();
        Assert.That(kinds, Is.EquivalentTo(Core.Suites.StepKinds.All));
        Assert.That(provider.GetRequiredService<TestFarm.Scenarios.Engine.SuiteRunner>(), Is.Not.Null);
    }
}
