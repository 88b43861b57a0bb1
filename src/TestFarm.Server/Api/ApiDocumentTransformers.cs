using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using TestFarm.Server.Auth;

namespace TestFarm.Server.Api;

/// <summary>
/// What <c>/openapi/v1.json</c> says beyond the routes: the bearer scheme, the role each operation needs
/// (<c>x-required-role</c> and its security requirement) and the problem+json answers each operation can give
/// (401/403 with a role; 400 with parameters or a body; 404 with a route value; 413/415 with a body; 409/422 where
/// the endpoint declares them).
/// </summary>
internal static class ApiDocumentTransformers
{
    public const string Scheme = "bearer";
    public const string RoleExtension = "x-required-role";
    private const string ProblemJson = "application/problem+json";

    public static OpenApiOptions AddFarmDocument(this OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
            document.Components.SecuritySchemes[Scheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http, Scheme = "bearer",
                Description = "A farm token: 'Authorization: Bearer <token>'. Roles: Viewer (reads), Operator (runs and machine actions), Admin (tokens); a higher role includes the lower.",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer(async (operation, context, ct) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            var role = metadata.OfType<RequiredRole>().LastOrDefault();
            if (role is not null)
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Scheme, context.Document)] = [] });
                operation.Extensions ??= new Dictionary<string, IOpenApiExtension>(StringComparer.Ordinal);
                operation.Extensions[RoleExtension] = new JsonNodeExtension(JsonValue.Create(role.Role.ToString()));
                operation.Description = Join(operation.Description, $"Needs a token of role {role.Role} or higher.");
            }
            var hasBody = operation.RequestBody is not null;
            var hasRouteValue = context.Description.ParameterDescriptions.Any(p => p.Source.Id == "Path");
            var errors = new List<(int Status, string Why)>();
            if (hasBody || operation.Parameters is { Count: > 0 }) errors.Add((StatusCodes.Status400BadRequest, "A parameter or the body is malformed or out of range; the problem names the field."));
            if (role is not null)
            {
                errors.Add((StatusCodes.Status401Unauthorized, "No bearer token, or one this farm does not know."));
                errors.Add((StatusCodes.Status403Forbidden, $"The token's role is below {role.Role}."));
            }
            if (hasRouteValue) errors.Add((StatusCodes.Status404NotFound, "Nothing has that id or path."));
            if (hasBody)
            {
                errors.Add((StatusCodes.Status413PayloadTooLarge, "The body is larger than the farm accepts."));
                errors.Add((StatusCodes.Status415UnsupportedMediaType, "The body is not application/json."));
            }
            operation.Responses ??= [];
            IOpenApiSchema? problem = null;
            foreach (var (status, why) in errors)
            {
                var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (operation.Responses.ContainsKey(key)) continue;
                problem ??= await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, ct);
                operation.Responses[key] = new OpenApiResponse
                {
                    Description = why,
                    Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal) { [ProblemJson] = new OpenApiMediaType { Schema = problem } },
                };
            }
        });
        return options;
    }

    private static string Join(string? description, string line) => string.IsNullOrEmpty(description) ? line : $"{description}\n\n{line}";
}
