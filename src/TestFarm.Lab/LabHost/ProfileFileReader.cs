using TestFarm.Core.Hardware;
using TestFarm.Configuration;
using TestFarm.Core.Configuration;

namespace TestFarm.Lab.LabHost;

/// <summary>
/// Reads named profiles from <c>hardware-profiles/&lt;name&gt;.yaml</c> through the farm's loader, with the
/// lab's built-in profiles as a fallback. Errors name the file, line and column.
/// </summary>
public static class ProfileFileReader
{
    /// <summary>Loads each named profile from <paramref name="directory"/>; the built-in lab profiles answer to their names.</summary>
    public static IReadOnlyList<HardwareProfile> Load(IEnumerable<string> names, string directory)
    {
        var profiles = new List<HardwareProfile>();
        foreach (var name in names)
        {
            var path = Path.Combine(directory, name + ".yaml");
            if (File.Exists(path)) profiles.Add(Read(path));
            else if (name == DefaultProfiles.GenericAmd64.Name) profiles.Add(DefaultProfiles.GenericAmd64);
            else if (name == DefaultProfiles.QemuAmd64.Name) profiles.Add(DefaultProfiles.QemuAmd64);
            else if (name == DefaultProfiles.QemuArm64.Name) profiles.Add(DefaultProfiles.QemuArm64);
            else throw new FileNotFoundException($"hardware profile '{name}' not found at {path}", path);
        }
        return profiles;
    }

    /// <summary>Reads one profile file with the farm's loader; every error found is in the exception, each as file:line:col.</summary>
    public static HardwareProfile Read(string path)
    {
        var errors = new List<ConfigError>();
        var loaded = HardwareProfileLoader.Load(path, File.ReadAllText(path), errors);
        if (errors.Count > 0 || loaded is null)
            throw new InvalidDataException(string.Join(Environment.NewLine, errors.Select(e => e.ToString())));
        return loaded.Value;
    }
}
