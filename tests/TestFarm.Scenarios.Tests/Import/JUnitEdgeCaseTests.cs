using System.Text;
using TestFarm.Scenarios.Import;
using TestFarm.Testing;

namespace TestFarm.Scenarios.Tests.Import;

public sealed class JUnitEdgeCaseTests
{
    private static JUnitReport Parse(string xml) =>
        JUnitReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(xml)), "t.xml", keepCases: true);

    [Test]
    public void GinkgoV2TestsuitesRootUsesPerCaseStatusAndDropsSuiteNodes()
    {
        var report = Parse("""
            <testsuites tests="4" disabled="1">
              <testsuite name="Kubernetes e2e suite" skipped="1">
                <properties><property name="SuiteSucceeded" value="false"/></properties>
                <testcase name="[SynchronizedBeforeSuite]" status="passed"/>
                <testcase name="[It] [sig-node] a [Conformance]" status="passed"/>
                <testcase name="[It] [sig-node] b" status="skipped"><skipped message="skipped"/></testcase>
                <testcase name="[It] [sig-node] c" status="failed"><failure message="boom">trace</failure></testcase>
                <testcase name="[It] [sig-node] d" status="timedout"/>
                <testcase name="[ReportAfterSuite] x" status="passed"/>
              </testsuite>
            </testsuites>
            """);
        Assert.That(report.Root, Is.EqualTo("testsuites"));
        Assert.That(report.Counts, Is.EqualTo(new JUnitCounts(4, 1, 2, 1, 0)));
        Assert.That(report.Cases[2].Message, Is.EqualTo("boom"));
    }

    [Test]
    public void NestedSuitesMissingAttributesAndErrorsCount()
    {
        var report = Parse("""
            <testsuites><testsuite name="outer"><testsuite name="inner">
              <testcase/>
              <testcase name="e"><error>stack
            trace</error></testcase>
            </testsuite><testcase name="f"><failure/><system-out>noise</system-out></testcase></testsuite></testsuites>
            """);
        Assert.That(report.Counts, Is.EqualTo(new JUnitCounts(3, 1, 1, 0, 1)));
        Assert.That(report.Cases[0].SuitePath, Is.EqualTo(new[] { "outer", "inner" }));
        Assert.That(report.Cases[1].Message, Is.EqualTo("stack\ntrace"));
        Assert.That(report.Cases[2].SuitePath, Is.EqualTo(new[] { "outer" }));
        Assert.That(report.Cases[2].Source, Is.EqualTo("t.xml:5:14"));
    }

    [Test]
    public void HugeSystemOutStreamsThrough()
    {
        using var dir = new TempDirectory();
        var path = dir.File("big.xml");
        using (var w = new StreamWriter(path))
        {
            w.Write("<testsuite><testcase name=\"a\"><system-out>");
            var chunk = new string('x', 1 << 20);
            for (var i = 0; i < 64; i++) w.Write(chunk);
            w.Write("</system-out></testcase><testcase name=\"b\"><skipped/></testcase></testsuite>");
        }
        var report = JUnitReader.Read(path);
        Assert.That(report.Counts, Is.EqualTo(new JUnitCounts(2, 1, 0, 1, 0)));
    }

    [TestCase("<testsuite><testcase name=\"a\">", "t.xml:1:")]
    [TestCase("<testsuite>\n<testcase name=\"a\"></testcas>\n</testsuite>", "t.xml:2:")]
    [TestCase("<html><body/></html>", "t.xml:1:2: root element <html>")]
    [TestCase("", "t.xml")]
    public void BadXmlNamesFileAndLine(string xml, string expected)
    {
        var ex = Assert.Throws<ResultImportException>(() => Parse(xml));
        Assert.That(ex!.Message, Does.StartWith(expected));
    }

    [Test]
    public void LogWithoutSummaryIsAClearError()
    {
        var ex = Assert.Throws<ResultImportException>(() =>
            GinkgoSummaryParser.Parse(new StringReader("Ran 3 of 9 Specs in 1.0 seconds\nbye\n"), "e2e.log"));
        Assert.That(ex!.Message, Does.StartWith("e2e.log:1:1:"));
    }

    [Test]
    public void FailLineWithFlakedCount()
    {
        var s = GinkgoSummaryParser.Parse(new StringReader(
            "{\"msg\":\"Test Suite completed\",\"total\":9}\nRan 25 of 5771 Specs in 1037.017 seconds\nFAIL! -- 20 Passed | 4 Failed | 1 Flaked | 0 Pending | 5746 Skipped\n"), "e2e.log");
        Assert.That((s.Ran, s.Total, s.Passed, s.Failed, s.Flaked, s.Skipped, s.Success), Is.EqualTo((25, 5771, 20, 4, 1, 5746, false)));
    }
}
