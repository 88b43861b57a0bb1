using System.Text.Json.Nodes;
using TestFarm.Lab.Cluster;

namespace TestFarm.Lab.Tests.Cluster;

/// <summary>Field ownership of the simulated server-side apply, and the label selectors lists and watches use.</summary>
public sealed class ServerSideApplyTests
{
    private const string Now = "2026-01-01T00:00:00Z";

    private static JsonObject Cm(params (string Key, string Value)[] data) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject { ["name"] = "c" },
        ["data"] = new JsonObject(data.Select(d => KeyValuePair.Create(d.Key, (JsonNode?)d.Value))),
    };

    [Test]
    public void Force_takes_ownership_from_the_other_manager()
    {
        var first = ServerSideApply.Apply(null, Cm(("a", "1")), "helm", force: false, Now);

        var forced = ServerSideApply.Apply(first, Cm(("a", "2")), "testfarm", force: true, Now);

        Assert.That(forced["data"]!["a"]!.GetValue<string>(), Is.EqualTo("2"));
        var managers = forced["metadata"]!["managedFields"]!.AsArray().Select(m => m!["manager"]!.GetValue<string>());
        Assert.That(managers, Is.EqualTo(new[] { "testfarm" }));
    }

    [Test]
    public void A_field_the_manager_stops_applying_is_removed_unless_someone_else_owns_it()
    {
        var v1 = ServerSideApply.Apply(null, Cm(("a", "1"), ("b", "1")), "testfarm", false, Now);
        var shared = ServerSideApply.Apply(v1, Cm(("b", "1")), "helm", false, Now);

        var v2 = ServerSideApply.Apply(shared, Cm(), "testfarm", false, Now);

        Assert.That(v2["data"]!.AsObject().Select(p => p.Key), Is.EqualTo(new[] { "b" }));
        Assert.That(v2["metadata"]!["managedFields"]![0]!["fieldsV1"]!.ToJsonString(), Is.EqualTo("""{"f:data":{"f:b":{}}}"""));
    }

    [Test]
    public void Conflict_status_lists_manager_and_field()
    {
        var first = ServerSideApply.Apply(null, Cm(("a", "1")), "kubectl", false, Now);

        var e = Assert.Throws<ApiStatusException>(() => ServerSideApply.Apply(first, Cm(("a", "2")), "testfarm", false, Now));

        Assert.That(e!.Code, Is.EqualTo(409));
        Assert.That(e.Message, Is.EqualTo("Apply failed with 1 conflict: conflict with \"kubectl\": .data.a"));
        Assert.That(e.ToStatus()["details"]!["causes"]![0]!["field"]!.GetValue<string>(), Is.EqualTo(".data.a"));
    }

    [TestCase("app=web", true)]
    [TestCase("app==web,tier!=db", true)]
    [TestCase("app in (api, web)", true)]
    [TestCase("app notin (web)", false)]
    [TestCase("tier", false)]
    [TestCase("!tier", true)]
    [TestCase("app=api", false)]
    public void Label_selectors_match_as_kubernetes_defines_them(string selector, bool expected)
    {
        var pod = new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = "web" } } };

        Assert.That(Selectors.Labels(selector)(pod), Is.EqualTo(expected));
    }
}
