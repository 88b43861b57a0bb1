using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TestFarm.Core.Machines;
using TestFarm.Core.Pool;
using TestFarm.Provisioning.Health;
using TestFarm.Provisioning.Inventory;
using TestFarm.Redfish;
using TestFarm.Redfish.Auth;
using TestFarm.Redfish.Factory;
using TestFarm.Lab.Mockup;
using TestFarm.Server.Hosting;
using TestFarm.Server.Tests.Serve;
using TestFarm.Storage;
using TestFarm.Storage.Database;
using TestFarm.Storage.Sql;
using TestFarm.Testing;

namespace TestFarm.Server.Tests.Dashboard;

/// <summary>
/// Real vendor Redfish payloads (DMTF, sushy, Dell iDRAC, HPE iLO) served on loopback, read by the real inventory reader in a
/// health round's inventory check (the BMC inspection write point), kept in the real store of a running <c>serve</c> (SQLite
/// and PostgreSQL), then shown by its machine page (HTTP GET) and its API: declared beside observed, the time and the source.
/// </summary>
[TestFixture(StoreKind.Sqlite)]
[TestFixture(StoreKind.Postgres)]
[CancelAfter(120_000), NonParallelizable]
public sealed class ObservedInventoryTests(StoreKind kind)
{
    private const string Profile = "epyc-9354-e810";

    /// <summary>A fixture folder, and values from its payloads the page must show for it.</summary>
    private static readonly (string Machine, string[] Folder, string[] Shown)[] Vendors =
    [
        ("dmtf-1", ["dmtf-mockup", "public-rackmount1"], ["2 × Multi-Core Intel(R) Xeon(R) processor 7xxx Series", "MAC 12:44:6a:3b:04:11", "P79 v1.45", "1.45.455b66-rev4", "96 GiB"]),
        ("sushy-1", ["sushy", "json_samples"], ["C123 · serial 1234570", "MAC 12:44:6a:3b:04:11"]),
        ("idrac-1", ["dell-idrac", "bmclib"], ["Dell Inc. PowerEdge R6515", "1.20.50.52", "EthernetInterfaces"]),
        ("ilo-1", ["hpe-ilo", "proliantutils"], ["ProLiant DL180 Gen10", "iLO 5 v1.15", "8 GiB"]),
    ];

    [Test]
    public async Task Each_vendors_inspected_inventory_is_kept_and_shown_declared_beside_observed(CancellationToken ct)
    {
        await using var fixture = new ServeFixture();
        string? schema = null;
        StorageOptions storage;
        if (kind == StoreKind.Sqlite) storage = new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.Combine(fixture.Root, "farm.db") };
        else
        {
            schema = "inv_" + Guid.NewGuid().ToString("N")[..12];
            await using (var c = new NpgsqlConnection(Requirements.Postgres())) { await c.OpenAsync(ct); await new NpgsqlCommand($"CREATE SCHEMA {schema}", c).ExecuteNonQueryAsync(ct); }
            storage = new StorageOptions { Kind = StoreKind.Postgres, PostgresConnection = new NpgsqlConnectionStringBuilder(Requirements.Postgres()) { SearchPath = schema }.ConnectionString };
        }
        try
        {
            using var api = await fixture.StartAsync(ServeFixture.Options(fixture.Config, storage, "inventory-" + kind), null, ct);
            var store = api.App.Services.GetRequiredService<SqlFarmStore>();
            var profile = fixture.Config.Profile(Profile)!;
            await store.RegisterAsync([.. Vendors.Select(v => new MachineRegistration(v.Machine, Profile, "l2-inv"))], ct);
            using var pages = new PageClient(new Uri(FarmServer.BoundAddress(api.App)));
            await pages.LoginAsync(ServeFixture.ViewerSecret);

            var (_, before, _) = await pages.GetAsync("/machines/dmtf-1");
            Assert.That(before, Does.Contain("data-inspection=\"none\"").And.Contain("Not yet inspected"));
            Assert.That((await api.GetAsync("/api/v1/machines/dmtf-1"))["inventory"], Is.Null);

            // The health round's checker with the farm's own recorder: the write point of a BMC inspection.
            var checker = new HealthChecker(null, TimeProvider.System, api.App.Services.GetRequiredService<InventoryRecorder>());
            foreach (var (machine, folder, shown) in Vendors)
            {
                var started = DateTimeOffset.UtcNow.AddSeconds(-1);
                await using (var bmc = await MockupServer.StartAsync(Fixtures.Shared(["redfish", .. folder]), new MockupQuirks(), cancellationToken: ct))
                await using (var client = RedfishClientFactory.CreateStandalone(bmc.BaseUrl, RedfishAuth.None,
                                 new RedfishOptions { RetryDelay = TimeSpan.Zero, PollInterval = TimeSpan.Zero, RequestTimeout = TimeSpan.FromSeconds(20) }, TimeProvider.System))
                {
                    var pool = new PoolMachine
                    {
                        Id = machine, Profile = Profile, ProvisioningMac = "aa:bb:cc:dd:ee:ff",
                        Bmc = new BmcEndpoint { Url = bmc.BaseUrl, Credentials = new CredentialReference { User = "admin", PasswordEnv = "TESTFARM_NO_SUCH_PASSWORD" } },
                    };
                    var checks = await checker.CheckAsync(client, new HealthCheckRequest { Machine = pool, Profile = profile, PowerCycle = false }, ct);
                    Assert.That(checks.Select(c => c.Check), Does.Contain("inventory"), machine);
                }

                var detail = await api.GetAsync($"/api/v1/machines/{Uri.EscapeDataString(machine)}");
                var inventory = detail["inventory"]!;
                Assert.That(inventory["source"]!.GetValue<string>(), Is.EqualTo("BmcInspection"), machine);
                Assert.That(inventory["at"]!.GetValue<DateTimeOffset>(), Is.GreaterThanOrEqualTo(started), machine);

                var (status, html, _) = await pages.GetAsync($"/machines/{machine}");
                Assert.That(status, Is.EqualTo(HttpStatusCode.OK), html);
                var page = WebUtility.HtmlDecode(html);
                var section = page[page.IndexOf("<h2 id=\"inventory\">", StringComparison.Ordinal)..page.IndexOf("<h2 id=\"health\">", StringComparison.Ordinal)];
                Assert.That(section, Does.Contain("data-source=\"BmcInspection\"").And.Contain("by BMC inspection"), machine);
                Assert.That(section, Does.Contain(inventory["at"]!.GetValue<DateTimeOffset>().UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)), "the observation time");
                foreach (var value in shown) Assert.That(section, Does.Contain(value), $"{machine}: {value}");

                // Every declared row is there; a row is highlighted exactly when the API's drift (computed from the same observation) names it.
                var rows = Regex.Matches(section, "<tr( class=\"drift\")? data-component=\"([^\"]+)\">(.*?)</tr>").ToDictionary(m => m.Groups[2].Value, m => m.Groups[1].Success);
                Assert.That(rows.Keys, Is.SupersetOf(new[] { "cpu.sockets", "cpu.cores", "memory", "nics", "drives", "drive size", "firmware.bios", "firmware.bmc" }), machine);
                var drifted = inventory["drift"]!.AsArray().Select(d => d!["component"]!.GetValue<string>()).Distinct().Order(StringComparer.Ordinal).ToList();
                Assert.That(rows.Where(r => r.Value).Select(r => r.Key).Order(StringComparer.Ordinal), Is.EqualTo(drifted), machine);
                Assert.That(drifted, Is.Not.Empty, $"{machine}: a vendor's box is not the lab's EPYC profile");
            }

            var sushy = (await api.GetAsync("/api/v1/machines/sushy-1"))["inventory"]!["hardware"]!;
            Assert.That(sushy["drives"]!.AsArray().Select(d => d!["serial"]?.GetValue<string>()), Does.Contain("1234570"));
            var dmtf = (await api.GetAsync("/api/v1/machines/dmtf-1"))["inventory"]!["hardware"]!;
            Assert.That(dmtf["cpuModel"]!.GetValue<string>(), Is.EqualTo("Multi-Core Intel(R) Xeon(R) processor 7xxx Series"));
            Assert.That(dmtf["memoryGiB"]!.GetValue<double>(), Is.EqualTo(96));
        }
        finally
        {
            if (schema is not null)
            {
                NpgsqlConnection.ClearAllPools();
                await using var c = new NpgsqlConnection(Requirements.Postgres());
                await c.OpenAsync(CancellationToken.None);
                await new NpgsqlCommand($"DROP SCHEMA {schema} CASCADE", c).ExecuteNonQueryAsync(CancellationToken.None);
            }
        }
    }
}
