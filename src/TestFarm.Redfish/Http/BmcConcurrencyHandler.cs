namespace TestFarm.Redfish.Http;

/// <summary>
/// Bounds the calls in flight to one BMC (the gate is shared by every client of that BMC): a slot is held for
/// the whole exchange, body included, and waiting for it counts against the call's timeout.
/// </summary>
internal sealed class BmcConcurrencyHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (RedfishCall.Of(request)?.Transport.Gate is not { } gate) return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            try
            {
                await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                response.Dispose();
                throw;
            }
            return response;
        }
        finally
        {
            gate.Release();
        }
    }
}
