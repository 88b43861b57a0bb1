using System.Text.Json.Nodes;

namespace TestFarm.Lab.Cluster;

/// <summary>An error the simulated API answers with a Kubernetes <c>Status</c> object.</summary>
public sealed class ApiStatusException : Exception
{
    public ApiStatusException(int code, string reason, string message, JsonObject? details = null) : base(message)
    {
        Code = code;
        Reason = reason;
        Details = details;
    }

    public ApiStatusException() : this(500, "InternalError", "internal error") { }
    public ApiStatusException(string message) : this(500, "InternalError", message) { }
    public ApiStatusException(string message, Exception inner) : base(message, inner) { Code = 500; Reason = "InternalError"; }

    public int Code { get; }
    public string Reason { get; } = "InternalError";
    public JsonObject? Details { get; }

    public static ApiStatusException NotFound(ResourceType type, string name) =>
        new(404, "NotFound", $"{type.Plural}{(type.Group.Length > 0 ? "." + type.Group : "")} \"{name}\" not found",
            new JsonObject { ["name"] = name, ["group"] = type.Group, ["kind"] = type.Plural });

    public JsonObject ToStatus() => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = Message,
        ["reason"] = Reason,
        ["details"] = Details?.DeepClone(),
        ["code"] = Code,
    };
}
