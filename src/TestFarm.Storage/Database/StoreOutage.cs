using System.Data.Common;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace TestFarm.Storage.Database;

/// <summary>
/// Tells a database that is away (refused or dropped connections, a server shutting down, a SQLite file that cannot be
/// opened or written) from a bug (bad SQL, a broken constraint): the first is an outage the farm rides out, answered 503
/// and logged in one line; the second keeps its stack trace.
/// </summary>
public static class StoreOutage
{
    /// <summary>The outage somewhere in <paramref name="error"/>'s chain of inner exceptions, or null when it is none.</summary>
    public static Exception? Cause(Exception? error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is AggregateException { InnerExceptions.Count: > 0 } many) return many.InnerExceptions.Select(Cause).FirstOrDefault(c => c is not null);
            if (IsOutage(e)) return e;
        }
        return null;
    }

    private static bool IsOutage(Exception e) => e switch
    {
        // Server-side errors: only connection trouble (class 08), shutdown (57P01-57P03) and too many connections (53300).
        PostgresException p => p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState.StartsWith("57P", StringComparison.Ordinal) || p.SqlState == "53300",
        NpgsqlException => true, // anything else Npgsql itself raises is the connection: refused, reset, timed out, closed mid-read
        // SQLite: busy or locked, read-only, disk I/O, cannot open, full disk, file gone or replaced.
        SqliteException s => s.SqliteErrorCode is 5 or 6 or 8 or 10 or 13 or 14 or 26,
        SocketException or TimeoutException => true,
        _ => false,
    };

    /// <summary>The cause's message in one line of at most <paramref name="max"/> characters.</summary>
    public static string OneLine(Exception cause, int max = 300)
    {
        ArgumentNullException.ThrowIfNull(cause);
        var text = cause.Message.ReplaceLineEndings(" ").Trim();
        return text.Length <= max ? text : text[..max] + "…";
    }

}
