using System.Text.RegularExpressions;
using TestFarm.Kubernetes.Addons.Catalogue;
using TestFarm.Testing;

namespace TestFarm.Kubernetes.Tests.Addons;

/// <summary>The product reads add-on manifests from its configured sources only: never from a folder found by searching.</summary>
[NonParallelizable]
public sealed class AddonSourcesTests
{
    [Test]
    public void A_manifests_folder_above_the_checkout_and_the_working_folder_is_not_found()
    {
        // tmp/shared/fixtures/manifests holds the real release files, as it does beside this repository's checkout;
        // the checkout is tmp/work/checkout and the process runs inside it, with no add-on variable set.
        using var tmp = new TempDirectory("addon-locator");
        var planted = Path.Combine(tmp.Path, "shared", "fixtures", "manifests");
        foreach (var release in AddonCatalogue.Releases)
        {
            Directory.CreateDirectory(Path.Combine(planted, release.Folder));
            foreach (var file in release.Files)
                File.Copy(Fixtures.Shared("manifests", release.Folder, file.Name), Path.Combine(planted, release.Folder, file.Name));
        }
        var checkout = Directory.CreateDirectory(Path.Combine(tmp.Path, "work", "checkout")).FullName;
        var previous = Directory.GetCurrentDirectory();
        Directory.SetCurrentDirectory(checkout);
        try
        {
            var sources = AddonSources.FromEnvironment(checkout, _ => null);
            Assert.That(sources.Folder, Is.Null);
            Assert.That(sources.Cache, Is.EqualTo(Path.Combine(checkout, ".cache", "addons")));

            var missing = Assert.Throws<AddonUnavailableException>(() =>
                AddonManifests.EnsureAvailable(sources, [("metallb", "0.15.3"), ("rook-ceph", "1.17.9")]));
            var lines = missing!.Message.Split(Environment.NewLine);
            Assert.That(lines, Has.Length.EqualTo(2));
            Assert.That(lines[0], Does.StartWith($"add-on metallb v0.15.3 is not available: metallb-v0.15.3/metallb-native.yaml is not in the add-on cache {sources.Cache}")
                .And.Contain("testfarm addons fetch").And.Contain("TESTFARM_ADDON_MIRROR").And.Contain("TESTFARM_MANIFESTS")
                .And.Contain("https://raw.githubusercontent.com/metallb/metallb/v0.15.3/config/manifests/metallb-native.yaml"));
            Assert.That(lines[1], Does.StartWith("add-on rook-ceph v1.17.9 is not available: rook-v1.17.9/crds.yaml is not in the add-on cache"));
            Assert.That(missing.Message, Does.Not.Contain(tmp.Path + "/shared"), "the planted folder is never looked at");
            Assert.That(() => AddonManifests.Files(sources, AddonCatalogue.Find("metallb", "v0.15.3"), "metallb-native.yaml"),
                Throws.TypeOf<AddonUnavailableException>());

            // Named explicitly, the same folder is read.
            var named = AddonSources.FromEnvironment(checkout, name => name == AddonSources.FolderVariable ? planted : null);
            Assert.That(AddonManifests.Files(named, AddonCatalogue.Find("metallb", "v0.15.3"), "metallb-native.yaml").Single(),
                Is.EqualTo(Path.Combine(Path.GetFullPath(planted), "metallb-v0.15.3", "metallb-native.yaml")));
        }
        finally
        {
            Directory.SetCurrentDirectory(previous);
        }
    }

    [Test]
    public void An_add_on_version_outside_the_catalogue_is_refused_naming_the_known_versions()
    {
        var refused = Assert.Throws<AddonUnavailableException>(() => AddonCatalogue.Find("rook-ceph", "1.99.0"));
        Assert.That(refused!.Message, Is.EqualTo("add-on rook-ceph v1.99.0 is not in the add-on catalogue (known versions: v1.17.9)"));
    }

    [Test]
    public void No_product_source_names_a_path_into_a_shared_folder()
    {
        var offenders = new List<string>();
        var pattern = new Regex(@"""shared""|\.\./shared|shared/fixtures|""fixtures""", RegexOptions.IgnoreCase);
        foreach (var file in Directory.EnumerateFiles(Fixtures.Repo("src"), "*", SearchOption.AllDirectories)
                     .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal))
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                                 && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
                if (pattern.IsMatch(lines[i])) offenders.Add($"{Path.GetRelativePath(Fixtures.RepositoryRoot, file)}:{i + 1}: {lines[i].Trim()}");
        }
        Assert.That(offenders, Is.Empty);
    }
}
