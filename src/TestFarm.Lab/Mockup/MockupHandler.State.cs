using System.Globalization;
using System.Text.Json.Nodes;

namespace TestFarm.Lab.Mockup;

public sealed partial class MockupHandler
{
    private const string MonitorPrefix = "/redfish/v1/TaskService/TaskMonitors/";

    private MockupReply Get(string path)
    {
        var key = MockupResources.Key(path);
        if (key.StartsWith(MockupResources.Key(MonitorPrefix) + "/", StringComparison.Ordinal) && _tasks.TryGetValue(key, out var task))
        {
            if (task.PollsLeft > 0)
            {
                _tasks[key] = (task.PollsLeft - 1, task.Result);
                return new MockupReply(202, new JsonObject { ["TaskState"] = "Running", ["TaskMonitor"] = path }.ToJsonString());
            }
            return new MockupReply(200, task.Result.ToJsonString());
        }
        var resource = resources.Find(path);
        if (resource is null)
        {
            return resources.SynthesiseCollection(path) is { } synthetic
                ? new MockupReply(200, synthetic.ToJsonString())
                : MockupReply.Error(404, "Base.1.8.ResourceMissingAtURI", $"The resource at the URI {path} was not found.");
        }
        if (_pendingPower.TryGetValue(key, out var pending))
        {
            if (pending.ReadsLeft == 0)
            {
                resource.Body["PowerState"] = pending.State;
                resource.Generation++;
                _pendingPower.Remove(key);
            }
            else if (pending.ReadsLeft > 0)
            {
                _pendingPower[key] = (pending.State, pending.ReadsLeft - 1);
            }
        }
        var etag = ETag(resource);
        if (resource.Body.ContainsKey("@odata.etag")) resource.Body["@odata.etag"] = etag;
        var headers = new Dictionary<string, string>();
        if (quirks.ETagHeader) headers["ETag"] = string.Format(CultureInfo.InvariantCulture, quirks.ETagHeaderFormat, etag);
        return new MockupReply(200, resource.Body.ToJsonString(), headers);
    }

    private static string ETag(MockupResources.Resource resource) => $"W/\"gen-{resource.Generation}\"";

    private MockupReply Patch(string path, string? body, string ifMatch)
    {
        var resource = resources.Find(path);
        if (resource is null) return MockupReply.Error(404, "Base.1.8.ResourceMissingAtURI", $"The resource at the URI {path} was not found.");
        if (quirks.StalePatches > 0)
        {
            quirks.StalePatches--;
            resource.Generation++;
            return MockupReply.Error(412, "Base.1.8.PreconditionFailed", "The ETag supplied did not match the ETag required to change this resource.");
        }
        if (quirks.RequireIfMatch)
        {
            if (ifMatch.Length == 0) return MockupReply.Error(428, "Base.1.8.PreconditionRequired", "A precondition header or annotation is required to change this resource.");
            if (ifMatch != ETag(resource)) return MockupReply.Error(412, "Base.1.8.PreconditionFailed", "The ETag supplied did not match the ETag required to change this resource.");
        }
        if ((body is null ? null : JsonNode.Parse(body)) is not JsonObject patch)
            return MockupReply.Error(400, "Base.1.8.MalformedJSON", "The request body submitted was malformed JSON.");
        if (quirks.IgnoreBootOverride) patch.Remove("Boot");
        Merge(resource.Body, patch);
        resource.Generation++;
        return Accepted(204);
    }

    private static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (name, value) in patch.ToList())
        {
            if (value is JsonObject child && target[name] is JsonObject existing) Merge(existing, child);
            else target[name] = value?.DeepClone();
        }
    }

    private MockupReply Post(string path, string? body)
    {
        if (resources.FindAction(path) is not { } found)
            return MockupReply.Error(404, "Base.1.8.ResourceMissingAtURI", $"The resource at the URI {path} was not found.");
        var (resource, action) = found;
        var args = (body is null ? null : JsonNode.Parse(body)) as JsonObject ?? [];
        switch (action)
        {
            case "#ComputerSystem.Reset":
                var type = args["ResetType"]?.GetValue<string>();
                var allowed = (resource.Body["Actions"]?[action]?["ResetType@Redfish.AllowableValues"] as JsonArray)?.Select(v => v?.GetValue<string>()).ToList();
                if (type is null || (allowed is not null && !allowed.Contains(type)))
                    return MockupReply.Error(400, "Base.1.8.ActionParameterValueNotInList", $"The value {type} for the parameter ResetType is not in the list of acceptable values.");
                var now = resource.Body["PowerState"]?.GetValue<string>() ?? "Off";
                var next = type switch
                {
                    "ForceOff" or "GracefulShutdown" => "Off",
                    "PushPowerButton" => now == "On" ? "Off" : "On",
                    _ => "On",
                };
                var key = MockupResources.Key(resource.Id);
                if (quirks.PowerLagReads == 0) { resource.Body["PowerState"] = next; resource.Generation++; }
                else _pendingPower[key] = (next, quirks.PowerLagReads);
                break;
            case "#VirtualMedia.InsertMedia":
                if (args["Image"] is null) return MockupReply.Error(400, "Base.1.8.ActionParameterMissing", "The action InsertMedia requires the parameter Image to be present in the request body.");
                resource.Body["Image"] = args["Image"]!.DeepClone();
                resource.Body["Inserted"] = true;
                resource.Body["ConnectedVia"] = "URI";
                resource.Generation++;
                break;
            case "#VirtualMedia.EjectMedia":
                resource.Body["Image"] = null;
                resource.Body["Inserted"] = false;
                resource.Body["ConnectedVia"] = "NotConnected";
                resource.Generation++;
                break;
        }
        return Accepted(204);
    }

    /// <summary>The normal answer, or a 202 with a task monitor when actions run as tasks.</summary>
    private MockupReply Accepted(int status)
    {
        if (!quirks.ActionsAsTasks) return new MockupReply(status, null);
        var id = Interlocked.Increment(ref _nextId).ToString(CultureInfo.InvariantCulture);
        var monitor = MonitorPrefix + id;
        var result = new JsonObject { ["@odata.id"] = "/redfish/v1/TaskService/Tasks/" + id, ["Id"] = id, ["TaskState"] = "Completed", ["TaskStatus"] = "OK" };
        _tasks[MockupResources.Key(monitor)] = (quirks.TaskPolls, result);
        var accepted = new JsonObject { ["@odata.id"] = "/redfish/v1/TaskService/Tasks/" + id, ["TaskState"] = "Running", ["TaskMonitor"] = monitor };
        var headers = new Dictionary<string, string>();
        if (!quirks.TaskMonitorInBodyOnly) headers["Location"] = monitor;
        return new MockupReply(202, accepted.ToJsonString(), headers);
    }
}
