using System.Text.Json;
using TestFarm.Core.Configuration;
using TestFarm.Core.Hardware;
using TestFarm.Testing;
using YamlDotNet.RepresentationModel;

namespace TestFarm.Configuration.Tests;

/// <summary>The published JSON Schemas and the loaders must not drift apart.</summary>
public sealed class SchemaTests
{
    private static JsonElement Schema(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Fixtures.Repo("schemas", $"{name}.schema.json")));
        return doc.RootElement.Clone();
    }

    private static List<string> Properties(JsonElement obj) => obj.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToList();

    private static List<string> TopLevelKeys(ConfigFile file)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(file.Text));
        return ((YamlMappingNode)stream.Documents[0].RootNode).Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToList();
    }

    [TestCase("hardware-profile", "hardware-profiles")]
    [TestCase("plan", "scenarios/plans")]
    [TestCase("suite", "scenarios/suites")]
    public void Every_shipped_file_uses_only_the_schema_top_level_properties(string schema, string folder)
    {
        var allowed = Properties(Schema(schema));
        var files = ShippedFiles.Read(folder);
        if (schema != "suite") Assert.That(files, Is.Not.Empty);
        foreach (var file in files) Assert.That(allowed, Is.SupersetOf(TopLevelKeys(file)), file.Path);
    }

    [Test]
    public void The_schemas_declare_exactly_the_keys_the_loaders_accept()
    {
        Assert.That(Properties(Schema("hardware-profile")), Is.EqualTo(HardwareProfileLoader.TopLevelKeys));
        Assert.That(Properties(Schema("plan")), Is.EqualTo(PlanLoader.TopLevelKeys));
        Assert.That(Properties(Schema("suite")), Is.EqualTo(SuiteLoader.TopLevelKeys));
        var pool = Schema("pool");
        Assert.That(Properties(pool), Is.EqualTo(PoolLoader.TopLevelKeys));
        Assert.That(Properties(pool.GetProperty("properties").GetProperty("machines").GetProperty("items")), Is.EqualTo(PoolLoader.MachineKeys));
        var plan = Schema("plan");
        Assert.That(Properties(plan.GetProperty("properties").GetProperty("timeouts")), Is.EqualTo(PlanLoader.Phases));
        var selectorKeys = plan.GetProperty("$defs").GetProperty("selector").GetProperty("propertyNames").GetProperty("anyOf")[0].GetProperty("enum")
            .EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.That(selectorKeys, Is.EquivalentTo(SelectorMatcher.Keys));
    }

    [Test]
    public void The_pool_file_uses_only_the_schema_machine_properties()
    {
        var allowed = Properties(Schema("pool").GetProperty("properties").GetProperty("machines").GetProperty("items"));
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Fixtures.Repo("pool.yaml"))));
        var machines = (YamlSequenceNode)((YamlMappingNode)stream.Documents[0].RootNode).Children[new YamlScalarNode("machines")];
        Assert.That(machines.Children, Is.Not.Empty);
        foreach (YamlMappingNode machine in machines.Children)
            Assert.That(allowed, Is.SupersetOf(machine.Children.Keys.Select(k => ((YamlScalarNode)k).Value)));
    }
}
