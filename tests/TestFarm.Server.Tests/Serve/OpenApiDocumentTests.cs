using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using TestFarm.Server.Api;
using TestFarm.Server.Auth;
using TestFarm.Storage;
using TestFarm.Storage.Database;

namespace TestFarm.Server.Tests.Serve;

/// <summary>
/// <c>/openapi/v1.json</c> against the endpoints the app really maps: every /api route is documented, with its bearer
/// requirement and role, its request body, and the problem+json answers it gives. Fails when an endpoint is added
/// without being documented.
/// </summary>
[CancelAfter(60_000)]
public sealed partial class OpenApiDocumentTests
{
    /// <summary>POSTs that take no body (an action on the resource the route names).</summary>
    private static readonly HashSet<string> Bodyless = ["POST /api/v1/runs/{id}/cancel", "POST /api/v1/reservations/{id}/release"];

    [Test]
    public async Task Every_mapped_api_route_is_documented_with_its_role_body_and_error_answers(CancellationToken ct)
    {
        await using var fixture = new ServeFixture();
        var storage = new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.Combine(fixture.Root, "farm.db") };
        var options = ServeFixture.Options(fixture.Config, storage, "serve-doc") with { Pool = fixture.Config.Pool!.Value, MetricsRequireToken = true };
        using var api = await fixture.StartInProcessAsync(options, null, ct);
        var doc = await api.GetAsync("/openapi/v1.json", token: null!);

        var scheme = doc["components"]?["securitySchemes"]?[ApiDocumentTransformers.Scheme];
        Assert.That(scheme?["type"]?.GetValue<string>(), Is.EqualTo("http"), doc["components"]?.ToJsonString());
        Assert.That(scheme!["scheme"]!.GetValue<string>(), Is.EqualTo("bearer"));

        var mapped = ((IEndpointRouteBuilder)api.App).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && (raw.StartsWith("/api/", StringComparison.Ordinal) || raw == "/metrics"))
            .SelectMany(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods.Select(m => (Method: m, Path: Normalize(e.RoutePattern.RawText!), Endpoint: e)))
            .ToList();
        Assert.That(mapped.Select(m => m.Path), Does.Contain("/api/v1/runs").And.Contain("/api/v1/machines/{id}/drain"), "the walk sees the API");

        foreach (var (method, path, endpoint) in mapped)
        {
            var where = $"{method} {path}";
            var operation = doc["paths"]?[path]?[method.ToLowerInvariant()];
            Assert.That(operation, Is.Not.Null, $"{where} is mapped but not in /openapi/v1.json");
            var responses = operation!["responses"]!.AsObject();

            var role = endpoint.Metadata.GetMetadata<RequiredRole>();
            if (path.StartsWith("/api/", StringComparison.Ordinal)) Assert.That(role, Is.Not.Null, $"{where} has no role requirement");
            if (role is not null)
            {
                Assert.That(operation["x-required-role"]?.GetValue<string>(), Is.EqualTo(role.Role.ToString()), where);
                Assert.That(operation["security"]?.AsArray().Any(r => r!.AsObject().ContainsKey(ApiDocumentTransformers.Scheme)), Is.True, $"{where}: no bearer requirement");
                Assert.That(responses.Select(r => r.Key), Does.Contain("401").And.Contain("403"), where);
            }
            if (path.Contains('{', StringComparison.Ordinal)) Assert.That(responses.Select(r => r.Key), Does.Contain("404"), where);

            var accepts = endpoint.Metadata.GetMetadata<IAcceptsMetadata>();
            if (method is "POST" or "PUT" or "PATCH" && !Bodyless.Contains(where))
            {
                Assert.That(accepts, Is.Not.Null, $"{where} declares no body (Accepts<T>), and is not listed as bodyless");
                var schema = operation["requestBody"]?["content"]?["application/json"]?["schema"];
                Assert.That(schema, Is.Not.Null, $"{where}: no application/json requestBody schema: {operation.ToJsonString()}");
                Assert.That(responses.Select(r => r.Key), Does.Contain("400").And.Contain("413").And.Contain("415"), where);
            }

            var errors = responses.Where(r => r.Key[0] == '4').ToList();
            Assert.That(errors, Is.Not.Empty, $"{where} lists no error answer");
            foreach (var (status, answer) in errors)
            {
                if (status == "416") continue; // a range answer has no body
                Assert.That(answer?["content"]?["application/problem+json"]?["schema"], Is.Not.Null, $"{where} {status}: not problem+json: {answer?.ToJsonString()}");
            }
        }
    }

    [Test]
    public async Task The_answers_the_api_gives_are_the_ones_the_document_lists(CancellationToken ct)
    {
        await using var fixture = new ServeFixture();
        var storage = new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.Combine(fixture.Root, "farm.db") };
        var options = ServeFixture.Options(fixture.Config, storage, "serve-doc") with { Pool = fixture.Config.Pool!.Value };
        using var api = await fixture.StartInProcessAsync(options, new GatedBackend(fixture.Config, Path.Combine(fixture.Root, "cells")), ct);
        var doc = await api.GetAsync("/openapi/v1.json", token: null!);

        var probes = new (HttpMethod Method, string Template, string Url, string? Token, object? Body)[]
        {
            (HttpMethod.Get, "/api/v1/pool", "/api/v1/pool", null, null),
            (HttpMethod.Get, "/api/v1/tokens", "/api/v1/tokens", ServeFixture.ViewerSecret, null),
            (HttpMethod.Get, "/api/v1/machines/{id}", "/api/v1/machines/nope", ServeFixture.ViewerSecret, null),
            (HttpMethod.Get, "/api/v1/runs/{id}", "/api/v1/runs/nope", ServeFixture.ViewerSecret, null),
            (HttpMethod.Get, "/api/v1/runs", "/api/v1/runs?limit=0", ServeFixture.ViewerSecret, null),
            (HttpMethod.Post, "/api/v1/runs", "/api/v1/runs", ServeFixture.OperatorSecret, new { plan = "no-such-plan" }),
            (HttpMethod.Post, "/api/v1/runs", "/api/v1/runs", ServeFixture.OperatorSecret, "{\"plan\":"),
            (HttpMethod.Post, "/api/v1/runs", "/api/v1/runs", ServeFixture.ViewerSecret, new { plan = "lab-smoke" }),
            (HttpMethod.Post, "/api/v1/runs/{id}/cancel", "/api/v1/runs/nope/cancel", ServeFixture.OperatorSecret, null),
            (HttpMethod.Post, "/api/v1/machines/{id}/drain", "/api/v1/machines/nope/drain", ServeFixture.OperatorSecret, new { reason = "x" }),
            (HttpMethod.Post, "/api/v1/machines/{id}/drain", "/api/v1/machines/m1/drain", ServeFixture.OperatorSecret, new { reason = new string('r', 2000) }),
        };
        foreach (var (method, template, url, token, body) in probes)
        {
            var (status, _, text, response) = await api.SendAsync(method, url, token, body);
            Assert.That((int)status, Is.GreaterThanOrEqualTo(400), $"{method} {url} was meant to be refused: {text}");
            var listed = doc["paths"]![template]![method.Method.ToLowerInvariant()]!["responses"]!.AsObject().Select(r => r.Key);
            Assert.That(listed, Does.Contain(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture)), $"{method} {url} answered {(int)status}, which the document does not list: {text}");
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), $"{method} {url}: {text}");
        }
    }

    private static string Normalize(string raw) => RouteValue().Replace(raw, m => "{" + m.Groups["name"].Value + "}");

    [GeneratedRegex(@"\{\*{0,2}(?<name>[A-Za-z0-9_]+)(:[^}]*)?\??\}")]
    private static partial Regex RouteValue();
}
