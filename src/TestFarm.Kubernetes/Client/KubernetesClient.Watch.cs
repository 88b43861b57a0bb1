using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;

namespace TestFarm.Kubernetes.Client;

public sealed partial class KubernetesClient
{
    /// <summary>
    /// Streams changes through the library's watch: asks for bookmarks, resumes from the last resourceVersion when a
    /// stream ends, and relists when the server answers 410 Gone (emitting RELISTED, then ADDED for what exists).
    /// </summary>
    public async IAsyncEnumerable<WatchEvent> WatchAsync(WatchRequest request, string? resourceVersion = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var m = await MapAsync(request.Kind, cancellationToken);
        if (resourceVersion is null)
        {
            var list = await ListWithVersionAsync(request.Kind, request.Namespace, request.LabelSelector, request.FieldSelector, cancellationToken);
            foreach (var item in list.Items) yield return new WatchEvent("ADDED", item);
            resourceVersion = list.ResourceVersion;
        }
        var timeoutSeconds = (int)_options.WatchTimeout.TotalSeconds;
        while (!cancellationToken.IsCancellationRequested)
        {
            Exception? failure = null;
            var started = m.Namespaced && request.Namespace is not null
                ? _api.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<object>(m.Group, m.Version, request.Namespace, m.Plural,
                    allowWatchBookmarks: true, fieldSelector: request.FieldSelector, labelSelector: request.LabelSelector,
                    resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, watch: true, cancellationToken: cancellationToken)
                : _api.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync<object>(m.Group, m.Version, m.Plural,
                    allowWatchBookmarks: true, fieldSelector: request.FieldSelector, labelSelector: request.LabelSelector,
                    resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, watch: true, cancellationToken: cancellationToken);
#pragma warning disable CS0618 // The list-with-watch form is the only one taking resourceVersion, selectors and bookmarks for any kind.
            var stream = started.WatchAsync<JsonObject, object>(e => failure ??= e, cancellationToken);
#pragma warning restore CS0618
            await using (var events = stream.GetAsyncEnumerator(cancellationToken))
            {
                while (true)
                {
                    bool more;
                    try
                    {
                        more = await events.MoveNextAsync();
                    }
                    catch (Exception e) when (e is HttpOperationException or IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
                    {
                        failure = e;
                        more = false;
                    }
                    if (!more) break;
                    var (type, obj) = events.Current;
                    var e1 = new WatchEvent(TypeName(type), Stamp(obj, request.Kind));
                    resourceVersion = e1.ResourceVersion ?? resourceVersion;
                    yield return e1;
                }
            }
            if (failure is null or IOException) continue; // stream ended or dropped: resume from the last version
            if (!IsGone(failure)) throw Translate(failure, $"watch of {request.Kind.Kind}");
            Log.WatchGone(_logger, request.Kind.Kind, resourceVersion ?? "");
            var relisted = await ListWithVersionAsync(request.Kind, request.Namespace, request.LabelSelector, request.FieldSelector, cancellationToken);
            yield return new WatchEvent("RELISTED", new JsonObject { ["metadata"] = new JsonObject { ["resourceVersion"] = relisted.ResourceVersion } });
            foreach (var item in relisted.Items) yield return new WatchEvent("ADDED", item);
            resourceVersion = relisted.ResourceVersion;
        }
    }

    private static bool IsGone(Exception e) => e switch
    {
        HttpOperationException h => (int)h.Response.StatusCode == 410,
        KubernetesException k => k.Status?.Code == 410,
        _ => false,
    };

    private static string TypeName(WatchEventType type) => type switch
    {
        WatchEventType.Added => "ADDED",
        WatchEventType.Modified => "MODIFIED",
        WatchEventType.Deleted => "DELETED",
        WatchEventType.Bookmark => "BOOKMARK",
        _ => "ERROR",
    };
}
