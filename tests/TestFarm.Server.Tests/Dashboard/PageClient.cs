using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace TestFarm.Server.Tests.Dashboard;

/// <summary>A browser-like client for the dashboard: keeps cookies, does not follow redirects, reads forms' antiforgery field.</summary>
public sealed partial class PageClient : IDisposable
{
    private readonly HttpClient _http;

    public PageClient(Uri baseAddress) =>
        _http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false, UseCookies = true })
        { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };

    public async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> GetAsync(string path, string? bearer = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        var response = await _http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    public async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> PostFormAsync(string path, IEnumerable<KeyValuePair<string, string>> form, string? bearer = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(form) };
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        var response = await _http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    /// <summary>Logs in through the form: GET /login for the antiforgery field, POST the token.</summary>
    public async Task<HttpResponseMessage> LoginAsync(string token)
    {
        var (_, page, _) = await GetAsync("/login");
        var (_, _, response) = await PostFormAsync("/login", [new("__tf_csrf", Csrf(page)), new("token", token), new("next", "/")]);
        return response;
    }

    public HttpClient Http => _http;

    public static string Csrf(string page) => CsrfField().Match(page) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : throw new AssertionException("no antiforgery field in the page");

    [GeneratedRegex("name=\"__tf_csrf\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();

    public void Dispose() => _http.Dispose();
}
