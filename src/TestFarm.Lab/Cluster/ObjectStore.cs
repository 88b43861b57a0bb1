using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace TestFarm.Lab.Cluster;

/// <summary>One change, as a watch sends it.</summary>
public sealed record StoreEvent(long ResourceVersion, string Type, string StoreKey, string? Namespace, JsonObject Object);

/// <summary>
/// The simulated cluster's objects, with one global resourceVersion counter and an event history that
/// watches resume from (older than the history: 410 Gone, as after etcd compaction).
/// </summary>
public sealed class ObjectStore
{
    private const int HistoryLimit = 20_000;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Key, string Ns, string Name), JsonObject> _objects = [];
    private readonly List<StoreEvent> _history = [];
    private readonly List<Channel<StoreEvent>> _subscribers = [];
    private readonly TimeProvider _time;
    private long _resourceVersion = 100;
    private long _oldestKept = 100;

    public ObjectStore(TimeProvider time) => _time = time;

    public TimeProvider Clock => _time;

    /// <summary>Held by every read-modify-write (API handlers and controllers) so no update is lost.</summary>
    public Lock WriteGate { get; } = new();

    public long ResourceVersion { get { lock (_gate) { return _resourceVersion; } } }

    public string Now => _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);

    public JsonObject? Get(ResourceType type, string? ns, string name)
    {
        lock (_gate)
        {
            return _objects.TryGetValue((type.StoreKey, ns ?? "", name), out var o) ? (JsonObject)o.DeepClone() : null;
        }
    }

    public IReadOnlyList<JsonObject> List(ResourceType type, string? ns)
    {
        lock (_gate)
        {
            return _objects.Where(p => p.Key.Key == type.StoreKey && (ns is null || p.Key.Ns == ns))
                .OrderBy(p => p.Key.Ns, StringComparer.Ordinal).ThenBy(p => p.Key.Name, StringComparer.Ordinal)
                .Select(p => (JsonObject)p.Value.DeepClone()).ToList();
        }
    }

    /// <summary>Stores a new or changed object; stamps resourceVersion, uid, creationTimestamp, generation.</summary>
    public JsonObject Put(ResourceType type, JsonObject obj)
    {
        var meta = obj["metadata"] as JsonObject ?? throw new ApiStatusException(422, "Invalid", "metadata: Required value");
        var name = meta["name"]?.GetValue<string>() ?? throw new ApiStatusException(422, "Invalid", "metadata.name: Required value");
        var ns = type.Namespaced ? meta["namespace"]?.GetValue<string>() ?? "default" : "";
        lock (_gate)
        {
            var key = (type.StoreKey, ns, name);
            var exists = _objects.TryGetValue(key, out var old);
            if (type.Namespaced) meta["namespace"] = ns; else meta.Remove("namespace");
            obj["apiVersion"] ??= type.GroupVersion;
            obj["kind"] ??= type.Kind;
            if (exists)
            {
                meta["uid"] = old!["metadata"]!["uid"]!.DeepClone();
                meta["creationTimestamp"] = old["metadata"]!["creationTimestamp"]!.DeepClone();
                var generation = Admission.Int(old["metadata"]?["generation"], 1);
                var specChanged = !JsonNode.DeepEquals(old["spec"], obj["spec"]);
                meta["generation"] = specChanged ? generation + 1 : generation;
                var oldComparable = Comparable(old);
                if (JsonNode.DeepEquals(oldComparable, Comparable(obj))) return (JsonObject)old.DeepClone();
            }
            else
            {
                meta["uid"] = Guid.NewGuid().ToString();
                meta["creationTimestamp"] = Now;
                meta["generation"] = 1;
            }
            meta["resourceVersion"] = (++_resourceVersion).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var stored = (JsonObject)obj.DeepClone();
            _objects[key] = stored;
            Publish(new StoreEvent(_resourceVersion, exists ? "MODIFIED" : "ADDED", type.StoreKey, ns, stored));
            return (JsonObject)stored.DeepClone();
        }
    }

    private static JsonObject Comparable(JsonObject o)
    {
        var copy = (JsonObject)o.DeepClone();
        if (copy["metadata"] is JsonObject m)
        {
            m.Remove("resourceVersion");
            m.Remove("generation");
        }
        return copy;
    }

    public JsonObject? Delete(ResourceType type, string? ns, string name)
    {
        lock (_gate)
        {
            var key = (type.StoreKey, type.Namespaced ? ns ?? "default" : "", name);
            if (!_objects.Remove(key, out var old)) return null;
            old["metadata"]!["resourceVersion"] = (++_resourceVersion).ToString(System.Globalization.CultureInfo.InvariantCulture);
            Publish(new StoreEvent(_resourceVersion, "DELETED", type.StoreKey, key.Item2, old));
            return (JsonObject)old.DeepClone();
        }
    }

    private void Publish(StoreEvent e)
    {
        _history.Add(e);
        if (_history.Count > HistoryLimit)
        {
            _history.RemoveRange(0, _history.Count - HistoryLimit);
            _oldestKept = _history[0].ResourceVersion - 1;
        }
        foreach (var s in _subscribers) s.Writer.TryWrite(e);
    }

    /// <summary>Forgets the event history, as etcd compaction does: watches from older versions get 410.</summary>
    public void Compact()
    {
        lock (_gate)
        {
            _history.Clear();
            _oldestKept = _resourceVersion;
        }
    }

    /// <summary>Lists and subscribes atomically: the list, its resourceVersion, and every later event.</summary>
    public (IReadOnlyList<JsonObject> Items, long Version, ChannelReader<StoreEvent> Events) ListAndSubscribe(
        ResourceType type, string? ns, CancellationToken stop)
    {
        lock (_gate)
        {
            var items = List(type, ns);
            return (items, _resourceVersion, Subscribe(_resourceVersion, stop)!);
        }
    }

    /// <summary>Subscribes from <paramref name="fromVersion"/>; null when that version is compacted away.</summary>
    public ChannelReader<StoreEvent>? Subscribe(long fromVersion, CancellationToken stop)
    {
        var channel = Channel.CreateUnbounded<StoreEvent>();
        lock (_gate)
        {
            if (fromVersion < _oldestKept) return null;
            foreach (var e in _history.Where(e => e.ResourceVersion > fromVersion)) channel.Writer.TryWrite(e);
            _subscribers.Add(channel);
        }
        stop.Register(() =>
        {
            lock (_gate) { _subscribers.Remove(channel); }
            channel.Writer.TryComplete();
        });
        return channel.Reader;
    }
}
