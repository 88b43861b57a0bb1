using System.Security.Cryptography;

namespace TestFarm.Server.Auth;

/// <summary>
/// The tokens file: one token a line, <c>name role sha256</c> (role viewer, operator or admin; sha256 of the secret
/// in lower-case hex), <c>#</c> comments. Secrets are never stored: <see cref="Create"/> returns the secret once.
/// </summary>
public static class TokenFile
{
    public sealed record ReadResult(IReadOnlyList<ApiToken> Tokens, IReadOnlyList<string> Errors);

    public static ReadResult Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) return new([], [$"{path}: no such tokens file; create one with 'testfarm token create --role admin --tokens {path}'"]);
        return Parse(path, File.ReadAllLines(path));
    }

    public static ReadResult Parse(string name, IReadOnlyList<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var tokens = new List<ApiToken>();
        var errors = new List<string>();
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var place = $"{name}:{i + 1}";
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 3) { errors.Add($"{place}: expected 'name role sha256', found {parts.Length} fields"); continue; }
            if (!Enum.TryParse<ApiRole>(parts[1], ignoreCase: true, out var role) || !Enum.IsDefined(role) || int.TryParse(parts[1], out _))
            {
                errors.Add($"{place}: role must be viewer, operator or admin, was '{parts[1]}'");
                continue;
            }
            if (parts[2].Length != 64 || !parts[2].All(Uri.IsHexDigit))
            {
                errors.Add($"{place}: sha256 must be 64 hex digits, was '{parts[2]}' ({parts[2].Length} characters)");
                continue;
            }
            if (tokens.Any(t => t.Name == parts[0])) { errors.Add($"{place}: token name '{parts[0]}' is used twice"); continue; }
            tokens.Add(new ApiToken { Name = parts[0], Role = role, Sha256 = parts[2].ToLowerInvariant() });
        }
        return new(tokens, errors);
    }

    /// <summary>Makes a new secret, appends its hash to <paramref name="path"/> and returns the secret (shown once).</summary>
    public static string Create(string path, string name, ApiRole role)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Any(char.IsWhiteSpace) || name.StartsWith('#')) throw new ArgumentException($"token name must have no spaces and not start with '#', was '{name}'", nameof(name));
        if (File.Exists(path))
        {
            var existing = Read(path);
            if (existing.Errors.Count > 0) throw new InvalidDataException(string.Join(Environment.NewLine, existing.Errors));
            if (existing.Tokens.Any(t => t.Name == name)) throw new InvalidDataException($"{path}: a token named '{name}' exists already");
        }
        var secret = "tf_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        File.AppendAllText(path, $"{name} {role.ToString().ToLowerInvariant()} {TokenAuthenticator.Hash(secret)}{Environment.NewLine}");
        return secret;
    }
}
