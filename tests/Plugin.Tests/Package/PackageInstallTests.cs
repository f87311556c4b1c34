using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Plugin.Tests.Package;

/// <summary>
/// The package a site owner installs, tried as they would: `dotnet pack src/Plugin` into a folder feed, a fresh web
/// project that references DynamicCot.Umbraco from it, built, started on 127.0.0.1 with a tiny real-architecture model,
/// and asked for a suggestion over HTTP. The engine's natives (llama.cpp from LLamaSharp.Backend.Cpu, libvips from
/// NetVips.Native.linux-x64) must arrive through the package's dependencies alone.
/// </summary>
public sealed class PackageInstallTests
{
    [Fact]
    public async Task A_fresh_web_project_installs_the_package_from_a_folder_feed_and_gets_a_suggestion_over_http()
    {
        using var work = TestPaths.NewTempFolder("dynamiccot-package");
        var feed = Directory.CreateDirectory(Path.Combine(work.Path, "feed")).FullName;
        var version = PluginPackages.NewVersion();

        var packages = await PluginPackages.PackAsync(feed, version);
        AssertSitePackage(packages, version);

        var site = new FreshSite(Directory.CreateDirectory(Path.Combine(work.Path, "site")).FullName);
        await site.WriteAsync(feed, version);
        var build = await site.BuildAsync();
        Assert.True(build.ExitCode == 0, $"the site did not build ({build.ExitCode}):\n{build.Output}");
        // The natives came with the package's dependencies: llama.cpp in its CPU variants, libvips.
        Assert.True(File.Exists(Path.Combine(site.Output, "DynamicCot.Plugin.dll")));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(site.Output, "runtimes"), "libllama.so", SearchOption.AllDirectories));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(site.Output, "runtimes"), "libmtmd.so", SearchOption.AllDirectories));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(site.Output, "runtimes"), "libvips.so*", SearchOption.AllDirectories));

        using var models = new TinyModels();
        var model = models.Get(QwenVlArchitecture.Qwen2Vl);
        await using var running = site.Start(new Dictionary<string, string>
        {
            ["DynamicCot:Engine:ModelPath"] = model.LanguageModel,
            ["DynamicCot:Engine:MmprojPath"] = model.Projector,
            ["DynamicCot:Engine:Threads"] = "2",
            ["DynamicCot:Engine:ParallelRequests"] = "1",
            ["DynamicCot:MinConfidence"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        using var http = new HttpClient { BaseAddress = running.Address, Timeout = TimeSpan.FromMinutes(2) };

        // The backoffice bundle: served from the package's static web assets where Umbraco looks for it.
        var manifest = await WaitForAsync(running, http, "App_Plugins/DynamicCot/umbraco-package.json");
        Assert.True(manifest.StatusCode == HttpStatusCode.OK, $"umbraco-package.json: {(int)manifest.StatusCode}\n{running.Output}");
        var served = JsonDocument.Parse(await manifest.Content.ReadAsStringAsync());
        var committed = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "src", "Plugin", "wwwroot", "App_Plugins", "DynamicCot", "umbraco-package.json")));
        Assert.Equal(committed.RootElement.GetProperty("name").GetString(), served.RootElement.GetProperty("name").GetString());
        Assert.Equal(committed.RootElement.GetRawText(), served.RootElement.GetRawText());

        // A suggestion from text and a photo: the tiny model's words are random, but the whole path ran (libvips
        // decoded the photo, mtmd encoded it, llama.cpp read the prompt and generated).
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent("Sunset over the harbour, boats coming home after a long day at sea."), "text");
        var photo = new ByteArrayContent(File.ReadAllBytes(TestPaths.Data("flickr10", "images", "34694102243_3370955cf9_z.jpg")));
        photo.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        form.Add(photo, "image", "harbour.jpg");
        using var response = await http.PostAsync("umbraco/dynamiccot/api/v1/suggest", form);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"suggest: {(int)response.StatusCode} {body}\n{running.Output}");
        using var suggestion = JsonDocument.Parse(body);
        Assert.True(suggestion.RootElement.GetProperty("promptTokens").GetInt32() > 0, body);
        Assert.True(suggestion.RootElement.GetProperty("generatedTokens").GetInt32() > 0, body);
        Assert.Equal(JsonValueKind.Array, suggestion.RootElement.GetProperty("keyphrases").ValueKind);
        Assert.False(running.HasExited, running.Output);
    }

    private static void AssertSitePackage(IReadOnlyDictionary<string, PackedPackage> packages, string version)
    {
        Assert.True(packages.TryGetValue(PluginPackages.SitePackageId, out var site), $"no {PluginPackages.SitePackageId} package among {string.Join(", ", packages.Keys)}");
        Assert.Equal(version, site.Nuspec.GetVersion().ToNormalizedString());
        Assert.Contains("umbraco-marketplace", site.Nuspec.GetTags().Split(' ', ';'));
        Assert.Equal("MIT", site.Nuspec.GetLicenseMetadata()?.License);
        Assert.Equal("README.md", site.Nuspec.GetReadme());
        Assert.Contains("README.md", site.Files);
        Assert.Contains("lib/net10.0/DynamicCot.Plugin.dll", site.Files);
        Assert.Contains("staticwebassets/App_Plugins/DynamicCot/umbraco-package.json", site.Files);
        // Natives reach a site through their own packages, never as files of these.
        foreach (var package in packages.Values)
            Assert.DoesNotContain(package.Files, f => f.EndsWith(".so", StringComparison.Ordinal) || f.EndsWith(".dll", StringComparison.Ordinal) && !f.StartsWith("lib/", StringComparison.Ordinal));

        // Every DynamicCot package a package depends on is in the feed, at the same version.
        foreach (var package in packages.Values)
        {
            foreach (var dependency in package.Dependencies.Where(d => d.Id.StartsWith("DynamicCot.", StringComparison.Ordinal)))
            {
                Assert.True(packages.ContainsKey(dependency.Id), $"{package.Id} depends on {dependency.Id}, which is not in the feed");
                Assert.Equal(version, dependency.VersionRange.MinVersion?.ToNormalizedString());
            }
        }

        // The natives' packages, with the assets that place them: LLamaSharp.Backend.Cpu copies llama/ggml/mtmd
        // through its build props, NetVips.Native.linux-x64 ships libvips as runtime assets.
        Assert.True(PackedPackage.Flows(site.Dependencies.Single(d => d.Id == "LLamaSharp.Backend.Cpu"), "build"));
        Assert.True(PackedPackage.Flows(site.Dependencies.Single(d => d.Id == "NetVips.Native.linux-x64"), "native"));
    }

    /// <summary>Polls until the site answers (or stops: then its output says why).</summary>
    private static async Task<HttpResponseMessage> WaitForAsync(RunningSite site, HttpClient http, string path)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            Assert.False(site.HasExited, $"the site stopped:\n{site.Output}");
            try
            {
                return await http.GetAsync(path);
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(250);
            }
        }
    }
}
