namespace TestFarm.Server.Dashboard.Logs;

/// <summary>
/// A log's viewer on a page: dashboard.js loads the tail from <paramref name="url"/>, pages backwards on "Load older",
/// follows the end while <paramref name="follow"/> and the page is live, and asks the server to search.
/// </summary>
internal static class LogViewer
{
    public static Html Render(string url, string id, bool follow) => HtmlBuilder.Of($"""
        <div class="log" id="{id}" data-log="{url}" data-follow="{(follow ? "1" : "0")}">
        <div class="logbar"><button type="button" data-older>Load older</button>
        <form data-search role="search"><label for="{id}-q">Search this log</label><input id="{id}-q" name="q" maxlength="200"><button type="submit">Search</button></form>
        <span class="logmeta" data-meta aria-live="polite"></span></div>
        <ol class="hits" data-hits></ol>
        <pre class="logtext" tabindex="0" data-text aria-label="log text"></pre>
        <noscript><p>Scripts are off: <a href="{url}?limit=65536">read the last 64 KiB as text</a>.</p></noscript></div>
        """);
}
