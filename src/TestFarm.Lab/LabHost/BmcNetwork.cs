using System.Net;
using System.Net.Sockets;
using TestFarm.Lab.Cluster;

namespace TestFarm.Lab.LabHost;

/// <summary>
/// The lab's BMC network: one loopback address per virtual BMC, as a rack's BMC network has one IP per BMC
/// (Linux routes all of 127.0.0.0/8 to lo, so they bind without setup). Machine n (1-based) gets the range's
/// n-th host address; the network and broadcast addresses are left out, so the default /22 holds 1,022 BMCs.
/// </summary>
public sealed class BmcNetwork
{
    /// <summary>127.0.100.1 … 127.0.103.254: clear of 127.0.0.1 and of the lab's MetalLB range (127.0.10.0/24).</summary>
    public const string Default = "127.0.100.0/22";

    private static readonly IPNetwork Loopback = new(IPAddress.Parse("127.0.0.0"), 8);
    private static readonly IPNetwork LoadBalancers = IPNetwork.Parse(SimulatedCluster.LoopbackLoadBalancerRange);
    private readonly uint _first;

    private BmcNetwork(IPNetwork range)
    {
        Range = range;
        _first = ToUInt32(range.BaseAddress);
        Capacity = (int)Math.Min(int.MaxValue, (1L << (32 - range.PrefixLength)) - 2);
    }

    public IPNetwork Range { get; }

    /// <summary>How many BMCs fit: the host addresses of the range.</summary>
    public int Capacity { get; }

    /// <summary>The address of machine <paramref name="index"/> (1-based).</summary>
    public IPAddress this[int index] => index >= 1 && index <= Capacity
        ? ToAddress(_first + (uint)index)
        : throw new ArgumentOutOfRangeException(nameof(index), index, $"the BMC network {Range} holds machines 1..{Capacity}");

    public override string ToString() => Range.ToString();

    /// <summary>Parses and checks a range for <paramref name="machines"/> BMCs; null with the reason when it does not fit.</summary>
    public static BmcNetwork? TryParse(string? text, int machines, out string? error)
    {
        error = Check(text, machines, out var range);
        return error is null ? new BmcNetwork(range) : null;
    }

    private static string? Check(string? text, int machines, out IPNetwork range)
    {
        range = default;
        if (string.IsNullOrWhiteSpace(text) || !IPNetwork.TryParse(text, out range) || range.BaseAddress.AddressFamily != AddressFamily.InterNetwork
            || !IPAddress.TryParse(text.Split('/')[0], out var given) || !given.Equals(range.BaseAddress))
            return $"BmcNetwork must be an IPv4 range with its host bits zero, like {Default}; was '{text}'";
        if (range.PrefixLength is < 8 or > 30)
            return $"BmcNetwork must be a /8../30 range, was {range}";
        if (!Loopback.Contains(range.BaseAddress))
            return $"BmcNetwork must lie inside 127.0.0.0/8 (loopback), was {range}";
        if (range.Contains(IPAddress.Loopback))
            return $"BmcNetwork {range} holds 127.0.0.1, where the lab's admin API and boot service listen; pick a range such as {Default}";
        if (range.Contains(LoadBalancers.BaseAddress) || LoadBalancers.Contains(range.BaseAddress))
            return $"BmcNetwork {range} overlaps the lab's MetalLB range {LoadBalancers}; pick a range such as {Default}";
        var capacity = (1L << (32 - range.PrefixLength)) - 2;
        if (machines > capacity)
            return $"BmcNetwork {range} has room for {capacity} BMCs, {machines} machines asked; widen it (a /{32 - (int)Math.Ceiling(Math.Log2(machines + 2))} holds them)";
        return null;
    }

    private static uint ToUInt32(IPAddress address)
    {
        var b = address.GetAddressBytes();
        return (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
    }

    private static IPAddress ToAddress(uint value) =>
        new([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);
}
