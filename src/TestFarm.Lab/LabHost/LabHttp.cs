using Microsoft.Extensions.DependencyInjection;

namespace TestFarm.Lab.LabHost;

/// <summary>
/// The lab's own HTTP, which is not the farm's: a QEMU machine fetching its virtual media (as a real BMC does) and the
/// power-cycle bench. One <see cref="IHttpClientFactory"/> for the process, so no caller builds its own handler.
/// </summary>
internal static class LabHttp
{
    private static readonly Lazy<IHttpClientFactory> Factory = new(() =>
        new ServiceCollection().AddHttpClient().BuildServiceProvider().GetRequiredService<IHttpClientFactory>());

    public static HttpClient Create(TimeSpan timeout)
    {
        var http = Factory.Value.CreateClient();
        http.Timeout = timeout;
        return http;
    }
}
