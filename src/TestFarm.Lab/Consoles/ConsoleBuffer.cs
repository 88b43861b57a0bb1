using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using TestFarm.Core.Machines;

namespace TestFarm.Lab.Consoles;

/// <summary>
/// A console's output kept in memory: the newest <see cref="Capacity"/> characters, and every appended chunk handed to the
/// readers following it (each through a bounded queue that drops its oldest chunks when the reader lags, so output never waits).
/// </summary>
public sealed class ConsoleBuffer
{
    /// <summary>Chunks a lagging follower may have queued before its oldest are dropped.</summary>
    private const int FollowerQueue = 1024;

    private readonly Lock _gate = new();
    private readonly StringBuilder _text = new();
    private readonly List<Channel<string>> _followers = [];

    public ConsoleBuffer(int capacity = 256 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    /// <summary>How many of the newest characters are kept.</summary>
    public int Capacity { get; }

    public void Append(string chunk)
    {
        if (string.IsNullOrEmpty(chunk)) return;
        lock (_gate)
        {
            _text.Append(chunk);
            // Trimmed in steps of Capacity, so appending stays cheap.
            if (_text.Length > 2 * Capacity) _text.Remove(0, _text.Length - Capacity);
            foreach (var follower in _followers) follower.Writer.TryWrite(chunk);
        }
    }

    public string Recent(int maxChars)
    {
        lock (_gate) { return RecentLocked(maxChars); }
    }

    public ConsoleFollow Follow(int recentChars, CancellationToken ct)
    {
        var channel = Channel.CreateBounded<string>(new BoundedChannelOptions(FollowerQueue)
        {
            FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = false,
        });
        string recent;
        lock (_gate)
        {
            recent = RecentLocked(recentChars);
            _followers.Add(channel);
        }
        // Unregistered when the reader stops, and also when it never starts reading.
        var registration = ct.Register(() => Remove(channel));
        return new ConsoleFollow(recent, ReadAsync(channel, registration, ct));
    }

    private string RecentLocked(int maxChars)
    {
        var length = Math.Min(Math.Min(Math.Max(0, maxChars), Capacity), _text.Length);
        return _text.ToString(_text.Length - length, length);
    }

    private void Remove(Channel<string> channel)
    {
        lock (_gate) { _followers.Remove(channel); }
        channel.Writer.TryComplete();
    }

    private async IAsyncEnumerable<string> ReadAsync(Channel<string> channel, CancellationTokenRegistration registration, [EnumeratorCancellation] CancellationToken ct)
    {
        try
        {
            while (await channel.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
                while (channel.Reader.TryRead(out var chunk)) yield return chunk;
        }
        finally
        {
            await registration.DisposeAsync().ConfigureAwait(false);
            Remove(channel);
        }
    }
}
