using Microsoft.AspNetCore.Http;

namespace TestFarm.Lab.Bmc;

/// <summary>
/// Outermost middleware: a request the framework rejects (bad framing, wrong method) still gets a
/// Redfish error body, and a bug in a handler becomes a Redfish InternalError instead of a dropped connection.
/// </summary>
internal static class ErrorGuard
{
    public static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context).ConfigureAwait(false);
            if (context.Response.HasStarted) return;
            if (context.Response.StatusCode == StatusCodes.Status404NotFound)
                await RedfishErrors.NotFound(context).ExecuteAsync(context).ConfigureAwait(false);
            else if (context.Response.StatusCode == StatusCodes.Status405MethodNotAllowed)
                await RedfishErrors.Error(405, "OperationNotAllowed", $"The method {context.Request.Method} is not allowed on {context.Request.Path}.")
                    .ExecuteAsync(context).ConfigureAwait(false);
            else if (context.Response.StatusCode == StatusCodes.Status415UnsupportedMediaType)
                await RedfishErrors.Error(415, "UnsupportedMediaType", "The request body must be application/json.").ExecuteAsync(context).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            await RedfishErrors.Malformed(ex.Message).ExecuteAsync(context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away: nothing to answer.
        }
        catch (Exception ex) when (!context.Response.HasStarted && ex is not OutOfMemoryException)
        {
            context.Response.Clear();
            await RedfishErrors.Error(StatusCodes.Status500InternalServerError, "InternalError",
                $"The request failed due to an internal service error: {ex.GetType().Name}: {ex.Message}").ExecuteAsync(context).ConfigureAwait(false);
        }
    }
}
