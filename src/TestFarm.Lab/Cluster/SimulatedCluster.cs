using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TestFarm.Lab.Cluster;

/// <summary>
/// A simulated Kubernetes API server on https://127.0.0.1 with its own CA; clients authenticate with
/// the generated client certificate (or the bearer token). Controllers run on the given TimeProvider.
/// </summary>
public sealed class SimulatedCluster : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ITimer _timer;
    private readonly ILogger _logger;
    private readonly NodeController _nodes;
    private readonly WorkloadController _workloads;
    private readonly AddonControllers _addons;
    private readonly ClusterBaseline _baseline;
    private readonly RookOperator _rook;
    private readonly VolumeProvisioner _volumes;
    private readonly PodEvictionController _evictions;

    private SimulatedCluster(WebApplication app, ClusterCertificates certificates, ObjectStore store, ResourceCatalog catalog,
        NodeController nodes, WorkloadController workloads, AddonControllers addons, SimulatedClusterOptions options,
        TimeProvider time, ILogger logger, string token, SimulatedKubelets kubelets)
    {
        Kubelets = kubelets;
        _app = app;
        Certificates = certificates;
        Store = store;
        Catalog = catalog;
        _nodes = nodes;
        _workloads = workloads;
        _addons = addons;
        _baseline = new ClusterBaseline(catalog, store, options.KubernetesVersion);
        _rook = new RookOperator(catalog, store);
        _volumes = new VolumeProvisioner(catalog, store);
        _evictions = new PodEvictionController(catalog, store, options.UnreachableTolerance);
        Options = options;
        Token = token;
        _logger = logger;
        _timer = time.CreateTimer(_ => ReconcileSafely(), null, options.ReconcileInterval, options.ReconcileInterval);
    }

    /// <summary>
    /// The L2 range the lab gives MetalLB: loopback addresses (all of 127.0.0.0/8 is local on Linux), so a VIP
    /// the simulated speaker "announces" is really reachable from the farm.
    /// </summary>
    public const string LoopbackLoadBalancerRange = "127.0.10.0/24";

    public ClusterCertificates Certificates { get; }
    public ObjectStore Store { get; }
    public ResourceCatalog Catalog { get; }
    public SimulatedClusterOptions Options { get; }
    /// <summary>Each node's simulated kubelet: a node agent stops and starts them.</summary>
    public SimulatedKubelets Kubelets { get; }
    /// <summary>(VIP, port) pairs of LoadBalancer services that answer on loopback now.</summary>
    public IReadOnlyList<(string Ip, int Port)> AnsweringLoadBalancers => _addons.Responders.Listening;

    public Uri Url { get; private set; } = new("https://127.0.0.1/");

    /// <summary>A bearer token the server also accepts (for token-based kubeconfigs).</summary>
    public string Token { get; }

    public static async Task<SimulatedCluster> StartAsync(SimulatedClusterOptions options, INodeSource nodeSource,
        TimeProvider time, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("TestFarm.Lab.Cluster");
        var certificates = ClusterCertificates.Generate(time);
        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        var catalog = new ResourceCatalog();
        var store = new ObjectStore(time);
        var admission = new Admission(catalog, store);
        var handler = new ClusterApiHandler(catalog, new ResourceHandlers(catalog, store, admission),
            new WatchHandler(store, time, options.BookmarkInterval), options.KubernetesVersion);

        foreach (var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
        {
            var obj = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns } };
            admission.Default(catalog.Find("", "v1", "namespaces")!, obj);
            store.Put(catalog.Find("", "v1", "namespaces")!, obj);
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, NoSignalLifetime>();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, options.Port, listen => listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = certificates.Server,
                ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                ClientCertificateValidation = (cert, _, _) => IssuedBy(cert, certificates.Ca),
            }));
        });
        var app = builder.Build();
        app.Run(async context =>
        {
            if (!Authenticated(context, certificates.Ca, token))
            {
                Log.Unauthenticated(logger, context.Request.Method, context.Request.Path);
                context.Response.StatusCode = 401;
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(new ApiStatusException(401, "Unauthorized", "Unauthorized").ToStatus().ToJsonString());
                return;
            }
            await handler.HandleAsync(context);
        });
        await app.StartAsync(cancellationToken);

        var kubelets = new SimulatedKubelets();
        var nodes = new NodeController(catalog, store, nodeSource, options.KubernetesVersion, kubelets, options.NodeMonitorGracePeriod);
        var workloads = new WorkloadController(catalog, store, time, options.PodReadyDelay);
        var addons = new AddonControllers(catalog, store);
        var cluster = new SimulatedCluster(app, certificates, store, catalog, nodes, workloads, addons, options, time, logger, token, kubelets);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        cluster.Url = new Uri(new Uri(address).GetLeftPart(UriPartial.Authority).Replace("[::1]", "127.0.0.1", StringComparison.Ordinal) + "/");
        cluster.ReconcileNow();
        var nodeCount = nodeSource.GetNodes().Count;
        Log.Started(logger, cluster.Url, nodeCount);
        return cluster;
    }

    private static bool Authenticated(HttpContext context, X509Certificate2 ca, string token)
    {
        var cert = context.Connection.ClientCertificate;
        if (cert is not null && IssuedBy(cert, ca)) return true;
        var auth = context.Request.Headers.Authorization.ToString();
        return auth.StartsWith("Bearer ", StringComparison.Ordinal)
               && CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(auth[7..]), System.Text.Encoding.UTF8.GetBytes(token));
    }

    private static bool IssuedBy(X509Certificate2 cert, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(cert);
    }

    /// <summary>Runs every simulated controller once, now.</summary>
    public void ReconcileNow()
    {
        lock (Store.WriteGate)
        {
            _nodes.Reconcile();
            _evictions.Reconcile();
            _baseline.Reconcile();
            _workloads.Reconcile();
            _addons.Reconcile();
            _rook.Reconcile();
            _volumes.Reconcile();
        }
    }

    /// <summary>Stops the node's kubelet now (a node agent's <c>kill-kubelet</c>); false when the cluster has no such node.</summary>
    public bool StopKubelet(string node)
    {
        if (!HasNode(node)) return false;
        Kubelets.Stop(node, Store.Clock.GetUtcNow());
        ReconcileNow();
        return true;
    }

    /// <summary>Starts the node's kubelet again; the node posts Ready at once.</summary>
    public bool StartKubelet(string node)
    {
        if (!HasNode(node)) return false;
        Kubelets.Start(node);
        ReconcileNow();
        return true;
    }

    /// <summary>Kills (and the kubelet restarts) the containers of the node's Running pods, optionally of one namespace; returns how many.</summary>
    public int RestartContainers(string node, string? ns)
    {
        lock (Store.WriteGate) { return _workloads.RestartContainers(node, ns); }
    }

    /// <summary>Is <paramref name="node"/> a node of this cluster?</summary>
    public bool HasNode(string node) => Store.Get(Catalog.Find("", "v1", "nodes")!, null, node) is not null;

    private void ReconcileSafely()
    {
        try { ReconcileNow(); }
        catch (Exception e)
        {
            Log.ReconcileFailed(_logger, e);
        }
    }

    /// <summary>A kubeconfig with the CA, client certificate and key inline (it is a secret: do not log it).</summary>
    public string Kubeconfig => KubeconfigWriter.Write(Options.ContextName, Url, Certificates);

    public void WriteKubeconfig(string path)
    {
        File.WriteAllText(path, Kubeconfig);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    public async ValueTask DisposeAsync()
    {
        await _timer.DisposeAsync();
        lock (Store.WriteGate) { _addons.Dispose(); }
        await _app.StopAsync();
        await _app.DisposeAsync();
        Log.Stopped(_logger, Url);
        Certificates.Dispose();
    }
}
