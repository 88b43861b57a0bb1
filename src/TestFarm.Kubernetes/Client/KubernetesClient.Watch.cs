using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using TestFarm.Core.Cluster;

namespace TestFarm.Kubernetes.Client;

public sealed partial class KubernetesClient
{
    public async IAsyncEnumerable<WatchEvent> WatchAsync(WatchRequest request, string? resourceVersion = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var mapping = await MapAsync(request.Kind, cancellationToken);
        if (resourceVersion is null)
        {
            var list = await ListWithVersionAsync(request.Kind, request.Namespace, request.LabelSelector, request.FieldSelector, cancellationToken);
            foreach (var item in list.Items) yield return new WatchEvent("ADDED", item);
            resourceVersion = list.ResourceVersion;
        }
        while (!cancellationToken.IsCancellationRequested)
        {
            var path = (request.Namespace is null && mapping.Namespaced
                           ? (mapping with { Namespaced = false }).CollectionPath(null)
                           : mapping.CollectionPath(request.Namespace))
                       + Query(("watch", "true"), ("resourceVersion", resourceVersion), ("allowWatchBookmarks", "true"),
                           ("labelSelector", request.LabelSelector), ("fieldSelector", request.FieldSelector),
                           ("timeoutSeconds", ((int)_options.WatchTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture)));
            var gone = false;
            await foreach (var e in StreamAsync(path, cancellationToken))
            {
                if (e.Type == "ERROR")
                {
                    var error = FromStatus(e.Object, HttpMethod.Get, new Uri(_http.BaseAddress!, path.TrimStart('/')), 500);
                    if (error.Code == 410) { gone = true; break; }
                    throw error;
                }
                resourceVersion = e.ResourceVersion ?? resourceVersion;
                yield return e;
            }
            if (gone)
            {
                Log.WatchGone(_logger, request.Kind.Kind, resourceVersion ?? "");
                var list = await ListWithVersionAsync(request.Kind, request.Namespace, request.LabelSelector, request.FieldSelector, cancellationToken);
                yield return new WatchEvent("RELISTED", new JsonObject { ["metadata"] = new JsonObject { ["resourceVersion"] = list.ResourceVersion } });
                foreach (var item in list.Items) yield return new WatchEvent("ADDED", item);
                resourceVersion = list.ResourceVersion;
            }
        }
    }

    private async IAsyncEnumerable<WatchEvent> StreamAsync(string path, [EnumeratorCancellation] CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path.TrimStart('/'));
        request.Headers.Accept.ParseAdd("application/json");
        HttpResponseMessage response;
        using (var connect = Bounded(ct))
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, connect.Token);
        }
        using (response)
        {
            if ((int)response.StatusCode == 410)
            {
                yield return new WatchEvent("ERROR", new JsonObject { ["kind"] = "Status", ["code"] = 410, ["reason"] = "Expired", ["message"] = "Gone" });
                yield break;
            }
            if (!response.IsSuccessStatusCode) throw await ErrorAsync(response, HttpMethod.Get, ct);
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            using var reader = new StreamReader(stream);
            while (true)
            {
                string? line;
                try
                {
                    line = await reader.ReadLineAsync(ct);
                }
                catch (IOException)
                {
                    yield break; // connection dropped: the caller resumes from the last version
                }
                if (line is null) yield break;
                if (line.Length == 0) continue;
                JsonObject? e;
                try { e = JsonNode.Parse(line) as JsonObject; }
                catch (JsonException) { continue; }
                if (e?["type"]?.GetValue<string>() is not { } type || e["object"] is not JsonObject obj) continue;
                e.Remove("object");
                yield return new WatchEvent(type, obj);
            }
        }
    }
}
