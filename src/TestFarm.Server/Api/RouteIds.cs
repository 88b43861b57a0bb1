using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace TestFarm.Server.Api;

/// <summary>
/// The API's ids (machine, run, reservation, console session) as the caller escaped them: an endpoint filter factory that, for
/// every handler parameter bound to a whole route segment (<c>{id}</c>, <c>{session}</c>), hands the handler that segment read
/// from the raw request target and unescaped exactly once (<see cref="Dashboard.Links.Segment"/>, as the dashboard's pages read
/// theirs). The route value itself cannot be trusted: Kestrel decodes every escape but <c>%2F</c>, so an id <c>a/b</c> arrives as
/// <c>a%2Fb</c>, the same as an id <c>a%2Fb</c>. Catch-all parameters (a run's files) are read by <see cref="Reports.RunPathGuard"/>.
/// </summary>
internal static class RouteIds
{
    public static EndpointFilterDelegate Filter(EndpointFilterFactoryContext context, EndpointFilterDelegate next)
    {
        var parameters = context.MethodInfo.GetParameters();
        if (!parameters.Any(p => p.ParameterType == typeof(string))) return next;
        (int Argument, int Segment)[]? ids = null; // found from the endpoint's route pattern on the first call
        return invocation =>
        {
            ids ??= Find(parameters, (invocation.HttpContext.GetEndpoint() as RouteEndpoint)?.RoutePattern);
            foreach (var (argument, segment) in ids)
                invocation.Arguments[argument] = Dashboard.Links.Segment(invocation.HttpContext, segment, 1);
            return next(invocation);
        };
    }

    private static (int Argument, int Segment)[] Find(System.Reflection.ParameterInfo[] parameters, RoutePattern? pattern)
    {
        if (pattern is null) return [];
        var ids = new List<(int Argument, int Segment)>();
        for (var i = 0; i < parameters.Length; i++)
            if (parameters[i].ParameterType == typeof(string) && SegmentOf(pattern, parameters[i].Name) is { } segment) ids.Add((i, segment));
        return [.. ids];
    }

    /// <summary>The index of the path segment that is exactly the (not catch-all) parameter <paramref name="name"/>, if any.</summary>
    private static int? SegmentOf(RoutePattern pattern, string? name)
    {
        if (name is null || pattern.GetParameter(name) is not { IsCatchAll: false }) return null;
        for (var i = 0; i < pattern.PathSegments.Count; i++)
        {
            var parts = pattern.PathSegments[i].Parts;
            if (parts is [RoutePatternParameterPart p] && string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)) return i;
        }
        return null;
    }
}
