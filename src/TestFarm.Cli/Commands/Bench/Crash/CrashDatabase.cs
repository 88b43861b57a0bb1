using System.Data.Common;
using System.Net.Sockets;
using Npgsql;
using TestFarm.Storage.Database;

namespace TestFarm.Cli.Commands.Bench.Crash;

/// <summary>
/// The crash bench's view of its database: a probe before the campaign (so an unreachable server fails in seconds, not
/// after a trial's start limit), and one line naming the database when it is unreachable or lost mid-campaign.
/// </summary>
internal static class CrashDatabase
{
    private const int MaxMessage = 300;

    /// <summary>Opens and closes one connection to the <c>TESTFARM_POSTGRES</c> server; a failure is a <see cref="StoreException"/> naming it.</summary>
    public static async Task ProbeAsync(string connectionString, CancellationToken ct)
    {
        var place = PlaceOf(connectionString);
        try
        {
            var b = new NpgsqlConnectionStringBuilder(connectionString) { Timeout = 5 };
            await using var connection = new NpgsqlConnection(b.ConnectionString);
            await connection.OpenAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DbException or SocketException or ArgumentException or TimeoutException or InvalidOperationException)
        {
            throw new StoreException(place, "connect", e is ArgumentException ? "TESTFARM_POSTGRES is not a valid connection string" : e.Message, e);
        }
    }

    /// <summary>Whether <paramref name="e"/> (or what it wraps) says the database could not be reached or used.</summary>
    public static bool IsDatabaseFailure(Exception e)
    {
        for (var x = (Exception?)e; x is not null; x = x.InnerException)
            if (x is StoreException or DbException or SocketException) return true;
        return false;
    }

    /// <summary>One line: which database, what failed, bounded; the connection string's password never appears.</summary>
    public static string Describe(Exception e, string? connectionString)
    {
        var store = Find<StoreException>(e);
        var place = store?.Place ?? (connectionString is null ? "the database" : PlaceOf(connectionString));
        var what = store?.Operation ?? "use";
        var inner = Find<DbException>(e) ?? Find<SocketException>(e) ?? (Exception?)store ?? e;
        var message = inner is StoreException s ? s.Message[(s.Place.Length + s.Operation.Length + 4)..] : inner.Message;
        message = message.ReplaceLineEndings(" ");
        if (message.Length > MaxMessage) message = message[..MaxMessage] + "…";
        return $"the database {place} is unreachable or was lost ({what}): {message}";
    }

    /// <summary>host:port/database of a PostgreSQL connection string, or a fixed text when it does not parse.</summary>
    public static string PlaceOf(string connectionString)
    {
        try
        {
            var b = new NpgsqlConnectionStringBuilder(connectionString);
            return $"postgres {b.Host}:{b.Port}/{b.Database} (TESTFARM_POSTGRES)";
        }
        catch (ArgumentException)
        {
            return "postgres (TESTFARM_POSTGRES, not a valid connection string)";
        }
    }

    private static T? Find<T>(Exception e) where T : Exception
    {
        for (var x = (Exception?)e; x is not null; x = x.InnerException)
            if (x is T t) return t;
        return null;
    }
}
