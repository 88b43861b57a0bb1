using System.IO.Compression;
using System.Text;
using TestFarm.Scenarios.Import;

namespace TestFarm.Cli.Commands.Fuzz;

/// <summary>
/// Result imports: JUnit XML, a Ginkgo e2e.log's summary, and Sonobuoy results tarballs (tar bombs, deep nesting and huge
/// lines included). Their documented error is <see cref="ResultImportException"/>, its message starting with the source.
/// </summary>
internal static class ResultFuzzTargets
{
    private static readonly string[] Xml =
        ["<", ">", "</", "/>", "<testcase name=\"", "<testsuite>", "<failure message=\"x\">", "<skipped/>", "<![CDATA[", "]]>", "&amp;", "&#0;",
         "&x;", "<!DOCTYPE a [<!ENTITY x \"y\">]>", "<?xml version=\"1.0\" encoding=\"utf-16\"?>", "\"", "'", "=", " status=\"failed\"", " time=\"1e400\"", "\0"];

    private static readonly string[] Ginkgo =
        ["Ran ", " of ", " Specs", "SUCCESS! -- ", "FAIL! -- ", " Passed | ", " Failed | ", " Flaked | ", " Pending | ", " Skipped", "\n", "99999999999", "PASS\n"];

    private static readonly string[] Tar =
        ["plugins/", "sonobuoy_results.yaml", "/results/", "junit_1.xml", "items:\n- ", "status: failed\n", "name: ", "../", "\0", "ustar", "00000000777"];

    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new()
        {
            Name = "junit", Description = "a JUnit XML file (junit steps, results import, the e2e plugin's results)",
            DocumentedError = "ResultImportException", Dictionary = Xml, Nesting = ["<a>", "<testsuite>"],
            NamesPlace = StartsWithSource,
            Run = input => Rejection(() => JUnitReader.Read(new MemoryStream(input), FuzzTarget.Source, keepCases: true)),
        },
        new()
        {
            Name = "e2e-log", Description = "a Ginkgo e2e.log's final summary (results import --e2e-log)",
            DocumentedError = "ResultImportException", Dictionary = Ginkgo, Nesting = ["Ran 1 of 2 Specs\n"],
            NamesPlace = StartsWithSource,
            Run = input => Rejection(() => GinkgoSummaryParser.Parse(new StringReader(Encoding.UTF8.GetString(input)), FuzzTarget.Source)),
        },
        new()
        {
            Name = "sonobuoy", Description = "a sonobuoy retrieve tarball (each input is a tar, gzipped by the target)",
            DocumentedError = "ResultImportException", Dictionary = Tar, Nesting = ["- items:\n  ", "[", "{"],
            NamesPlace = StartsWithSource,
            Run = input =>
            {
                using var gz = new MemoryStream();
                using (var zip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true)) zip.Write(input);
                gz.Position = 0;
                return Rejection(() => SonobuoyResultsReader.Read(gz, FuzzTarget.Source));
            },
        },
    ];

    private static bool StartsWithSource(string message) => message.StartsWith(FuzzTarget.Source, StringComparison.Ordinal);

    private static string? Rejection(Action read)
    {
        try
        {
            read();
            return null;
        }
        catch (ResultImportException e) { return e.Message; }
    }
}
