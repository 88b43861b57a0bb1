using TestFarm.Core.Cluster;

namespace TestFarm.Core.Tests.Cluster;

public sealed class LabelSelectorTests
{
    private static readonly Dictionary<string, string> Speaker = new(StringComparer.Ordinal)
    {
        ["app"] = "metallb", ["component"] = "speaker", ["app.kubernetes.io/part-of"] = "metallb",
    };

    [TestCase(null, true)]
    [TestCase("app=metallb,component==speaker", true)]
    [TestCase("app=metallb,component!=speaker", false)]
    [TestCase("component in (controller, speaker)", true)]
    [TestCase("component notin (speaker)", false)]
    [TestCase("app.kubernetes.io/part-of", true)]
    [TestCase("!app.kubernetes.io/part-of", false)]
    [TestCase("tier!=control-plane", true)]
    [TestCase("tier", false)]
    public void Matches_every_kind_of_requirement(string? selector, bool expected) =>
        Assert.That(LabelSelector.Matches(selector, Speaker), Is.EqualTo(expected));

    [TestCase("app=", null)]
    [TestCase("app=-bad", "bad value '-bad'")]
    [TestCase("a b", "bad key 'a b'")]
    [TestCase("x in ()", "bad value list")]
    [TestCase("app=metallb,,x=y", "empty term")]
    public void Check_names_what_is_wrong(string selector, string? problem)
    {
        var check = LabelSelector.Check(selector);
        if (problem is null) Assert.That(check, Is.Null);
        else Assert.That(check, Does.Contain(problem));
    }

    [Test]
    public void A_bad_selector_does_not_compile() =>
        Assert.That(() => LabelSelector.Compile("a b"), Throws.TypeOf<FormatException>().With.Message.Contains("bad key 'a b'"));
}
