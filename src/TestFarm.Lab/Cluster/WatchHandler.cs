using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;

namespace TestFarm.Lab.Cluster;

/// <summary>
/// Watch as the API server streams it: one JSON event per line, initial ADDED events without a
/// resourceVersion, resume from one with it (ERROR 410 Expired once compacted), periodic BOOKMARKs.
/// </summary>
public sealed class WatchHandler
{
    private readonly ObjectStore _store;
    private readonly TimeProvider _time;
    private readonly TimeSpan _bookmarkInterval;

    public WatchHandler(ObjectStore store, TimeProvider time, TimeSpan bookmarkInterval)
    {
        _store = store;
        _time = time;
        _bookmarkInterval = bookmarkInterval;
    }

    public async Task ServeAsync(HttpContext context, ResourceType type, ApiPath path)
    {
        var query = context.Request.Query;
        var labels = Selectors.Labels(query["labelSelector"]);
        var fields = Selectors.Fields(query["fieldSelector"]);
        var bookmarks = (string?)query["allowWatchBookmarks"] == "true";
        var timeout = int.TryParse(query["timeoutSeconds"], CultureInfo.InvariantCulture, out var seconds) ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromMinutes(30);
        var rvText = (string?)query["resourceVersion"];
        var table = TableRenderer.Wanted(context.Request.Headers.Accept.ToString());
        JsonObject Shape(JsonObject o) => table ? TableRenderer.Render(type, [o], _store.ResourceVersion, _time.GetUtcNow()) : o;

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        using var deadline = new CancellationTokenSource(timeout, _time);
        using var reg = deadline.Token.Register(stop.Cancel);

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-cache, private";

        ChannelReader<StoreEvent> events;
        if (string.IsNullOrEmpty(rvText) || rvText == "0")
        {
            var (items, _, reader) = _store.ListAndSubscribe(type, path.Namespace, stop.Token);
            await context.Response.StartAsync(stop.Token);
            foreach (var item in items.Where(o => labels(o) && fields(o)))
                await WriteAsync(context, "ADDED", Shape(Stamp(type, item)), stop.Token);
            events = reader;
        }
        else
        {
            var from = long.Parse(rvText, CultureInfo.InvariantCulture);
            var reader = _store.Subscribe(from, stop.Token);
            await context.Response.StartAsync(stop.Token);
            // Send the headers now: a client (client-go's reflector) blocks until they arrive.
            await context.Response.Body.FlushAsync(stop.Token);
            if (reader is null)
            {
                var gone = new ApiStatusException(410, "Expired", $"too old resource version: {from} ({_store.ResourceVersion})").ToStatus();
                await WriteAsync(context, "ERROR", gone, stop.Token);
                return;
            }
            events = reader;
        }

        var lastSent = _store.ResourceVersion;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var wait = events.WaitToReadAsync(stop.Token).AsTask();
                var tick = bookmarks ? Task.Delay(_bookmarkInterval, _time, stop.Token) : Task.Delay(Timeout.InfiniteTimeSpan, _time, stop.Token);
                var done = await Task.WhenAny(wait, tick);
                if (done == tick)
                {
                    if (tick.IsCanceled) break;
                    var bookmark = new JsonObject
                    {
                        ["kind"] = type.Kind,
                        ["apiVersion"] = type.GroupVersion,
                        ["metadata"] = new JsonObject { ["resourceVersion"] = Math.Max(lastSent, _store.ResourceVersion).ToString(CultureInfo.InvariantCulture) },
                    };
                    await WriteAsync(context, "BOOKMARK", bookmark, stop.Token);
                    continue;
                }
                if (!await wait) break;
                while (events.TryRead(out var e))
                {
                    lastSent = e.ResourceVersion;
                    if (e.StoreKey != type.StoreKey || (path.Namespace is not null && e.Namespace != path.Namespace)) continue;
                    if (!labels(e.Object) || !fields(e.Object)) continue;
                    await WriteAsync(context, e.Type, Shape(Stamp(type, (JsonObject)e.Object.DeepClone())), stop.Token);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Timeout or client gone: the stream just ends.
        }
    }

    private static JsonObject Stamp(ResourceType type, JsonObject o)
    {
        o["apiVersion"] = type.GroupVersion;
        o["kind"] = type.Kind;
        return o;
    }

    private static async Task WriteAsync(HttpContext context, string type, JsonObject obj, CancellationToken ct)
    {
        var line = new JsonObject { ["type"] = type, ["object"] = obj }.ToJsonString() + "\n";
        await context.Response.WriteAsync(line, ct);
        await context.Response.Body.FlushAsync(ct);
    }
}
