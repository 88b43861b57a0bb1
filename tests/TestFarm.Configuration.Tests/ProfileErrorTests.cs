using TestFarm.Core.Configuration;
using TestFarm.Core.Hardware;

namespace TestFarm.Configuration.Tests;

public sealed class ProfileErrorTests
{
    private static List<string> Errors(string yaml)
    {
        var errors = new List<ConfigError>();
        HardwareProfileLoader.Load("hardware-profiles/p.yaml", yaml, errors);
        return errors.Select(e => e.ToString()).ToList();
    }

    [Test]
    public void A_valid_profile_loads_with_defaults_and_no_errors()
    {
        var errors = new List<ConfigError>();
        var loaded = HardwareProfileLoader.Load("p.yaml", ConfigText.Profile, errors);
        Assert.That(errors, Is.Empty);
        Assert.That(loaded!.Value.Arch, Is.EqualTo(CpuArchitecture.Amd64));
        Assert.That(loaded.Value.Cpu.Sockets, Is.EqualTo(1));
        Assert.That(loaded.Value.Storage[0].Role, Is.EqualTo(StorageRole.RookOsd));
        Assert.That(loaded.Value.Nics[0].Driver, Is.EqualTo("bnxt_en"));
        Assert.That(loaded.At("memoryGiB").ToString(), Is.EqualTo("p.yaml:7:12"));
    }

    [Test]
    public void An_unknown_field_names_the_nearest_valid_one_and_the_missing_field_is_reported_too()
    {
        var yaml = ConfigText.Profile.Replace("memoryGiB: 64", "memoryGb: 64", StringComparison.Ordinal);
        Assert.That(Errors(yaml), Is.EqualTo(new[]
        {
            "hardware-profiles/p.yaml:1:1: missing required field 'memoryGiB'",
            "hardware-profiles/p.yaml:7:1: unknown field 'memoryGb'; did you mean 'memoryGiB'?",
        }));
    }

    [Test]
    public void An_unknown_field_far_from_any_lists_the_allowed_ones()
    {
        var yaml = ConfigText.Profile.Replace("  cores: 24", "  cores: 24\n  turbo: yes", StringComparison.Ordinal);
        Assert.That(Errors(yaml), Is.EqualTo(new[]
        {
            "hardware-profiles/p.yaml:7:3: unknown field 'turbo' in 'cpu'; allowed: vendor, model, sockets, cores",
        }));
    }

    [Test]
    public void A_wrong_type_names_the_field_and_the_value()
    {
        var yaml = ConfigText.Profile.Replace("cores: 24", "cores: many", StringComparison.Ordinal)
            .Replace("nics:", "nics: none\nx:", StringComparison.Ordinal);
        Assert.That(Errors(yaml), Is.EqualTo(new[]
        {
            "hardware-profiles/p.yaml:6:10: 'cpu.cores' must be an integer, was 'many'",
            "hardware-profiles/p.yaml:8:7: 'nics' must be a list",
            "hardware-profiles/p.yaml:9:1: unknown field 'x'; allowed: name, arch, cpu, memoryGiB, nics, storage, firmware, boot, labels",
        }));
    }

    [Test]
    public void A_bad_enum_value_lists_the_allowed_values()
    {
        var yaml = ConfigText.Profile.Replace("arch: amd64", "arch: x86_64", StringComparison.Ordinal)
            .Replace("role: rook-osd", "role: ceph", StringComparison.Ordinal);
        Assert.That(Errors(yaml), Is.EqualTo(new[]
        {
            "hardware-profiles/p.yaml:2:7: 'arch' must be one of amd64, arm64, was 'x86_64'",
            "hardware-profiles/p.yaml:16:11: 'storage[0].role' must be one of os, rook-osd, scratch, was 'ceph'",
        }));
    }

    [Test]
    public void Missing_and_out_of_range_fields_inside_lists_are_reported_with_their_path()
    {
        var yaml = ConfigText.Profile.Replace("    driver: bnxt_en\n", "", StringComparison.Ordinal)
            .Replace("sizeGB: 960", "sizeGB: 0", StringComparison.Ordinal);
        Assert.That(Errors(yaml), Is.EqualTo(new[]
        {
            "hardware-profiles/p.yaml:9:5: missing required field 'nics[0].driver'",
            "hardware-profiles/p.yaml:14:13: 'storage[0].sizeGB' must be at least 1, was 0",
        }));
    }

    [Test]
    public void A_yaml_syntax_error_is_reported_at_its_place()
    {
        var errors = Errors("name: x\ncpu: [unclosed\n");
        Assert.That(errors, Has.Count.EqualTo(1));
        Assert.That(errors[0], Does.StartWith("hardware-profiles/p.yaml:3:1: YAML syntax error"));
    }
}
