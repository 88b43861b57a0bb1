using System.CommandLine;
using TestFarm.Cli.Commands.Validate;
using TestFarm.Core.Configuration;
using TestFarm.Core.Suites;
using TestFarm.Testing;

namespace TestFarm.Cli.Tests.Validate;

public sealed class ValidateCommandTests
{
    private const string Profile = "name: small\narch: amd64\ncpu: {vendor: AMD, model: EPYC 7443P, cores: 24}\nmemoryGiB: 64\n";
    private const string Suite = "name: quick\nsteps:\n  - kind: probe\n    name: api-up\n";
    private const string Plan = """
        name: tiny
        trigger: {kind: manual}
        matrix:
          profiles: [{arch: amd64}]
          topologies:
            - name: single
              roles: [{name: control-plane, count: 1}]
        cluster: {deployer: lab, kubernetesVersion: 1.32.3}
        suites: [quick]
        """;
    private const string Pool = """
        machines:
          - id: m1
            profile: small
            bmc: {url: "http://127.0.0.1:8000/bmc/m1", credentials: {user: admin, passwordEnv: TESTFARM_LAB_BMC_PASSWORD}}
            provisioningMac: "52:54:00:00:00:01"
        """;

    private static TempDirectory Layout(string plan = Plan, string suite = Suite, string pool = Pool)
    {
        var dir = new TempDirectory("validate");
        Write(dir, "hardware-profiles/small.yaml", Profile);
        Write(dir, "scenarios/suites/quick.yaml", suite);
        Write(dir, "scenarios/plans/tiny.yaml", plan);
        Write(dir, "scenarios/data/not-config.yaml", "just: data\n");
        Write(dir, "pool.yaml", pool);
        return dir;
    }

    private static void Write(TempDirectory dir, string relative, string text)
    {
        var path = dir.File(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private static (int Code, string Out, string Err) Run(ValidateCommand command, IReadOnlyList<string> paths, string workingDirectory)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = command.Run(paths, workingDirectory, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Test]
    public void Clean_files_at_the_default_paths_exit_zero_with_a_summary()
    {
        using var dir = Layout();
        var (code, output, error) = Run(new ValidateCommand([]), [], dir.Path);
        Assert.That((code, output, error), Is.EqualTo((ExitCodes.Success, "ok: 1 hardware profiles, 1 machines, 1 plans (1 cells), 1 suites\n", "")));
    }

    [Test]
    public void Kill_kubelet_on_a_pool_backend_is_refused_at_the_suite_step_until_the_pool_says_how_to_log_in_over_ssh()
    {
        const string suite = "name: quick\nsteps:\n  - kind: chaos\n    name: kubelet-down\n    action: kill-kubelet\n    role: control-plane\n    duration: 1m\n";
        var plan = Plan.Replace("deployer: lab", "deployer: k3s", StringComparison.Ordinal);
        using (var dir = Layout(plan: plan, suite: suite))
        {
            var (code, output, _) = Run(new ValidateCommand([]), [], dir.Path);
            Assert.That(code, Is.EqualTo(ExitCodes.InvalidInput));
            Assert.That(output.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[]
            {
                "scenarios/suites/quick.yaml:3:5: chaos step 'kubelet-down' of suite 'quick' cannot run in plan 'tiny' (scenarios/plans/tiny.yaml:9:10) " +
                "for cell tiny/small/single: 'kill-kubelet' needs a node agent and the backend of deployer 'k3s' has none: the pool file has no nodeAccess.ssh " +
                "(how the farm logs in to the machines), and only the lab's simulated clusters have one without it",
                "1 error(s) in 1 file(s)",
            }));
        }
        using (var dir = Layout(plan: plan, suite: suite, pool: Pool + "\nnodeAccess:\n  ssh: {user: ops, keyFile: /etc/testfarm/ssh/id_ed25519}\n"))
        {
            Assert.That(Run(new ValidateCommand([]), [], dir.Path), Is.EqualTo((ExitCodes.Success, "ok: 1 hardware profiles, 1 machines, 1 plans (1 cells), 1 suites\n", "")));
        }
    }

    [Test]
    public void Errors_are_printed_as_file_line_column_message_and_exit_one()
    {
        using var dir = Layout(plan: Plan.Replace("[quick]", "[quik]", StringComparison.Ordinal).Replace("deployer: lab", "deployer: kind", StringComparison.Ordinal));
        var (code, output, _) = Run(new ValidateCommand([]), [], dir.Path);
        Assert.That(code, Is.EqualTo(ExitCodes.InvalidInput));
        Assert.That(output.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[]
        {
            "scenarios/plans/tiny.yaml:8:21: 'cluster.deployer' must be one of kubespray, k3s, talos, lab, was 'kind'",
            "scenarios/plans/tiny.yaml:9:10: plan 'tiny' references unknown suite 'quik'; did you mean 'quick'?",
            "2 error(s) in 1 file(s)",
        }));
    }

    [Test]
    public void Registered_step_validators_are_applied()
    {
        using var dir = Layout();
        var (code, output, _) = Run(new ValidateCommand([new NeedsUrl()]), [], dir.Path);
        Assert.That(code, Is.EqualTo(ExitCodes.InvalidInput));
        Assert.That(output, Does.StartWith("scenarios/suites/quick.yaml:3:5: probe step 'api-up' needs a url\n"));
    }

    [Test]
    public async Task An_unknown_option_or_a_missing_path_is_a_usage_error()
    {
        var command = new ValidateCommand([]).Build();
        using var output = new StringWriter();
        using var error = new StringWriter();
        var config = new InvocationConfiguration { Output = output, Error = error };
        Assert.That(await command.Parse(["--strict"]).InvokeAsync(config), Is.EqualTo(ExitCodes.Usage));
        Assert.That(error.ToString(), Does.StartWith("validate: unknown option: --strict\n"));
        using var dir = new TempDirectory();
        Assert.That(await command.Parse([Path.Combine(dir.Path, "nope")]).InvokeAsync(config), Is.EqualTo(ExitCodes.Usage));
        Assert.That(error.ToString(), Does.Contain("no such file or folder"));
        Assert.That(Run(new ValidateCommand([]), [], dir.Path).Code, Is.EqualTo(ExitCodes.Usage), "no YAML at the defaults");
    }

    [Test]
    public async Task Explicit_paths_through_the_command_line_are_validated()
    {
        using var dir = Layout();
        using var output = new StringWriter();
        var config = new InvocationConfiguration { Output = output, Error = new StringWriter() };
        var command = new ValidateCommand([]).Build();
        var code = await command.Parse([dir.File("hardware-profiles"), dir.File("scenarios"), dir.File("pool.yaml")]).InvokeAsync(config);
        Assert.That(code, Is.EqualTo(ExitCodes.Success), output.ToString());
    }

    [Test]
    public void The_shipped_repository_files_validate_clean()
    {
        // The suites the shipped plans name are shipped by the scenarios area; stand-ins fill any not there yet.
        using var standIns = new TempDirectory("suites");
        foreach (var name in new[] { "conformance-quick", "conformance-certified", "api-smoke", "chaos-cookiemonster", "chaos-power" })
        {
            if (!File.Exists(Fixtures.Repo("scenarios", "suites", $"{name}.yaml")))
                Write(standIns, $"suites/{name}.yaml", $"name: {name}\nsteps:\n  - kind: probe\n    name: stand-in\n");
        }
        var paths = new List<string> { "hardware-profiles", "scenarios", "pool.yaml" };
        if (Directory.Exists(standIns.File("suites"))) paths.Add(standIns.File("suites"));
        var (code, output, error) = Run(new ValidateCommand([]), paths, Fixtures.RepositoryRoot);
        Assert.That(code, Is.EqualTo(ExitCodes.Success), output + error);
        Assert.That(output, Does.StartWith("ok: 10 hardware profiles, 35 machines, 3 plans (14 cells)"));
    }

    [Test]
    public void The_loader_entry_point_reads_the_defaults_and_reports_missing_paths_as_errors()
    {
        using var dir = Layout();
        var set = ConfigFileReader.Load(dir.Path);
        Assert.That(set.Errors, Is.Empty);
        Assert.That(set.Expand(set.Plan("tiny")!).Cells.Single().Id, Is.EqualTo("tiny/small/single"));
        var missing = ConfigFileReader.Load(dir.Path, ["hardware-profiles", "pool.yaml", "other-pool.yaml"]);
        Assert.That(missing.Errors.Select(e => e.Message), Is.EqualTo(new[] { "no such file or folder: other-pool.yaml" }));
    }

    private sealed class NeedsUrl : IStepValidator
    {
        public string Kind => StepKinds.Probe;

        public IEnumerable<ConfigError> Validate(SuiteStep step, string file, int line, int column)
        {
            if (!step.Settings.ContainsKey("url")) yield return new ConfigError(file, line, column, $"probe step '{step.Name}' needs a url");
        }
    }
}
