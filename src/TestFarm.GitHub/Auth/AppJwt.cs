using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TestFarm.GitHub.Auth;

/// <summary>The RS256 JSON Web Token a GitHub App signs with its private key to ask for installation tokens.</summary>
public static class AppJwt
{
    /// <summary>iat is 60 s in the past (clock skew, as GitHub recommends), exp 9 min ahead (GitHub allows 10).</summary>
    public static string Create(long appId, RSA privateKey, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        var header = Base64Url("{\"alg\":\"RS256\",\"typ\":\"JWT\"}"u8);
        var iat = now.AddSeconds(-60).ToUnixTimeSeconds();
        var exp = now.AddMinutes(9).ToUnixTimeSeconds();
        var payload = Base64Url(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"{{\"iat\":{iat},\"exp\":{exp},\"iss\":\"{appId}\"}}")));
        var signingInput = $"{header}.{payload}";
        var signature = privateKey.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{signingInput}.{Base64Url(signature)}";
    }

    public static RSA LoadKey(string pem)
    {
        var rsa = RSA.Create();
        try { rsa.ImportFromPem(pem); }
        catch (ArgumentException e)
        {
            rsa.Dispose();
            throw new InvalidOperationException("GitHub App private key is not a PEM RSA key", e);
        }
        return rsa;
    }

    public static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
