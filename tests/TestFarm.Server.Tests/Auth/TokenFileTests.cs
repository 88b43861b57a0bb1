using TestFarm.Server.Auth;
using TestFarm.Testing;

namespace TestFarm.Server.Tests.Auth;

public sealed class TokenFileTests
{
    [Test]
    public void Every_bad_line_is_reported_with_its_file_and_line()
    {
        var hash = TokenAuthenticator.Hash("s");
        var read = TokenFile.Parse("tokens", ["# farm tokens", "", $"ops operator {hash}", "x root " + hash, "y viewer abc", "ops admin " + hash, "lonely"]);
        Assert.That(read.Tokens.Select(t => (t.Name, t.Role)), Is.EqualTo(new[] { ("ops", ApiRole.Operator) }));
        Assert.That(read.Errors, Is.EqualTo(new[]
        {
            "tokens:4: role must be viewer, operator or admin, was 'root'",
            "tokens:5: sha256 must be 64 hex digits, was 'abc' (3 characters)",
            "tokens:6: token name 'ops' is used twice",
            "tokens:7: expected 'name role sha256', found 1 fields",
        }));
    }

    [Test]
    public void A_created_token_is_stored_only_as_its_hash_and_authenticates()
    {
        using var dir = new TempDirectory("tf-tokens");
        var path = Path.Combine(dir.Path, "tokens");
        var secret = TokenFile.Create(path, "ci", ApiRole.Viewer);
        var text = File.ReadAllText(path);
        Assert.That(text, Does.Not.Contain(secret));
        Assert.That(text.Trim(), Is.EqualTo($"ci viewer {TokenAuthenticator.Hash(secret)}"));
        var read = TokenFile.Read(path);
        Assert.That(read.Errors, Is.Empty);
        Assert.That(read.Tokens.Single().Role, Is.EqualTo(ApiRole.Viewer));
        Assert.Throws<InvalidDataException>(() => TokenFile.Create(path, "ci", ApiRole.Admin));
        Assert.That(TokenFile.Read(Path.Combine(dir.Path, "missing")).Errors.Single(), Does.Contain("testfarm token create --role admin"));
    }
}
