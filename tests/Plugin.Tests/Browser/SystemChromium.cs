using Microsoft.Playwright;

namespace DynamicCot.Plugin.Tests.Browser;

/// <summary>
/// Debian's headless Chromium, driven by Playwright. Playwright's own browser downloads are not used (CI has no network
/// for them); CI installs the distribution package instead. A missing browser fails the test with the install line.
/// </summary>
internal static class SystemChromium
{
    /// <summary>Overrides where the browser is looked for (a path to the executable).</summary>
    public const string PathVariable = "DYNAMICCOT_CHROMIUM";

    public const string InstallHint =
        "Browser tests need Chromium: install it with `sudo apt-get update && sudo apt-get install -y chromium` " +
        $"(CI's .ci/run does), or set {PathVariable} to a Chromium/Chrome executable.";

    // Quiet, deterministic headless flags: no sandbox (CI runs as root in a container), no GPU, no background traffic.
    private static readonly string[] Arguments =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    public static string Find()
    {
        if (Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } configured)
            return File.Exists(configured) ? configured : throw new FileNotFoundException($"{PathVariable}={configured} does not exist. {InstallHint}");
        var candidates = new[] { "chromium", "chromium-browser", "google-chrome" };
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        foreach (var name in candidates)
        {
            var path = Path.Combine(folder, name);
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException($"No Chromium found on PATH ({string.Join(", ", candidates)}). {InstallHint}");
    }

    /// <summary>A fresh browser profile in <paramref name="profileFolder"/>, so no state leaks between runs.</summary>
    public static async Task<IBrowserContext> LaunchAsync(IPlaywright playwright, string profileFolder) =>
        await playwright.Chromium.LaunchPersistentContextAsync(profileFolder, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = Find(),
            Headless = true,
            Args = Arguments,
            ViewportSize = new ViewportSize { Width = 1200, Height = 900 },
            Timeout = 30_000,
        });
}
