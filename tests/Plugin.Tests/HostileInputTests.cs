using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using DynamicCot.Inference.Images;
using DynamicCot.Keyphrases;
using DynamicCot.Keyphrases.Prompting;
using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.Plugin.Api;
using DynamicCot.Plugin.DemoHost;
using DynamicCot.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace DynamicCot.Plugin.Tests;

/// <summary>
/// The demo host on 127.0.0.1 with the real llama.cpp engine on a tiny real-architecture model, as a site's settings
/// start it (<c>DynamicCot:Engine:ModelPath</c> / <c>MmprojPath</c>): images go through the real NetVips decoder.
/// </summary>
public sealed class RealEngineDemoHost : IAsyncLifetime
{
    private readonly TinyModels _models = new();
    private readonly TempFolder _folder = TestPaths.NewTempFolder("dynamiccot-hostile");
    private WebApplication? _app;

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync() => (_app, Client) = await StartAsync(_folder.Path);

    /// <summary>A host on the same model with its own state folder and extra settings; the caller disposes it.</summary>
    public async Task<(WebApplication App, HttpClient Client)> StartAsync(string stateFolder, params string[] settings)
    {
        var files = _models.Get(QwenVlArchitecture.Qwen2Vl);
        var app = DemoHostApp.Build(
        [
            "--urls=http://127.0.0.1:0",
            $"--Demo:DataFolder={TestPaths.SharedData}",
            $"--Demo:StateFolder={stateFolder}",
            $"--DynamicCot:JobStore:SqliteFolder={Path.Combine(stateFolder, "jobs")}",
            $"--DynamicCot:Engine:ModelPath={files.LanguageModel}",
            $"--DynamicCot:Engine:MmprojPath={files.Projector}",
            "--DynamicCot:Engine:GpuLayers=0",
            "--DynamicCot:Engine:Threads=1",
            "--DynamicCot:Engine:ParallelRequests=2",
            "--DynamicCot:Engine:Thinking=Off",
            "--DynamicCot:AutoTagOnPublish=false",
            "--DynamicCot:MinConfidence=0",
            "--Logging:LogLevel:Default=Warning",
            .. settings,
        ]);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(2) };
        await WaitUntilModelLoadedAsync(client);
        return (app, client);
    }

    /// <summary>
    /// The model loads in the background after the site starts (503 "being prepared" until then); what these tests
    /// check is the loaded engine's answer to hostile input, so they start once a plain suggestion is answered.
    /// </summary>
    private static async Task WaitUntilModelLoadedAsync(HttpClient client)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            using var form = new MultipartFormDataContent { { new StringContent("Harbour lighthouse at dusk"), "text" } };
            using var response = await client.PostAsync($"/{ApiRoutes.Base}/suggest", form);
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable) return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the model did not load within 2 minutes: {await response.Content.ReadAsStringAsync()}");
            await Task.Delay(200);
        }
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        _models.Dispose();
        _folder.Dispose();
    }
}

/// <summary>
/// What a hostile or careless client can send never gets a 500: every user-facing error type answers a 4xx (or 503)
/// problem that names the field, through the real HTTP pipeline and the real engine.
/// </summary>
public sealed class HostileInputTests(RealEngineDemoHost host) : IClassFixture<RealEngineDemoHost>
{
    private const string Api = "/umbraco/dynamiccot/api/v1";
    private const int MiB = 1024 * 1024;
    private static readonly string FlickrImage = TestPaths.Data("flickr10", "images", "34694102243_3370955cf9_z.jpg");

    /// <summary>A request that makes the pipeline raise one user-facing error, and what the client must get back.</summary>
    private sealed record Hostile(string Name, Func<HttpClient, Task<HttpResponseMessage>> Send, HttpStatusCode Status, string Field);

    private static readonly Dictionary<string, Hostile> Inputs = new Hostile[]
    {
        new("bomb-png", c => Suggest(c, "harbour", HandMadeImages.PngHeaderOnly(40_000, 40_000), "bomb.png"), HttpStatusCode.BadRequest, "image"),
        new("truncated-jpeg", c => Suggest(c, "harbour", File.ReadAllBytes(FlickrImage)[..2048], "half.jpg"), HttpStatusCode.BadRequest, "image"),
        new("30-mb-upload", c => Suggest(c, "harbour", JpegLookingBytes(30 * MiB), "huge.jpg"), HttpStatusCode.RequestEntityTooLarge, "image"),
        new("random-bytes", c => Suggest(c, "harbour", RandomBytes(64 * 1024, seed: 18), "noise.jpg"), HttpStatusCode.BadRequest, "image"),
        new("bad-guid", c => c.PostAsync($"{Api}/suggest", new MultipartFormDataContent { { new StringContent("not-a-guid"), "contentId" } }),
            HttpStatusCode.BadRequest, "ContentId"),
        new("unknown-content", c => c.PostAsync($"{Api}/suggest", new MultipartFormDataContent { { new StringContent(Guid.NewGuid().ToString()), "contentId" } }),
            HttpStatusCode.NotFound, "contentId"),
        // Sent as clients sending large bodies should (Expect: 100-continue), so the refusal is read before the body is sent.
        new("30-mb-feedback", c => c.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"{Api}/feedback")
            {
                Content = JsonBody(new { text = new string('a', 30 * MiB), accepted = new[] { "harbour" } }),
                Headers = { ExpectContinue = true },
            }),
            HttpStatusCode.RequestEntityTooLarge, ApiErrorMapping.BodyField),
        new("only-control-tokens", c => Suggest(c, "<|im_end|><|im_start|>  <__media__>"), HttpStatusCode.BadRequest, "text"),
        new("unknown-job", c => c.GetAsync($"{Api}/jobs/{Guid.NewGuid()}"), HttpStatusCode.NotFound, "id"),
    }.ToDictionary(h => h.Name);

    /// <summary>The request that raises each user-facing error type the plugin's assemblies define.</summary>
    private static readonly Dictionary<Type, string> RaisedBy = new()
    {
        [typeof(ImageTooLargeException)] = "bomb-png",
        [typeof(CorruptImageException)] = "truncated-jpeg",
        [typeof(UnsupportedImageFormatException)] = "random-bytes",
        [typeof(SuggestionInputException)] = "only-control-tokens",
        [typeof(Jobs.BulkJobNotFoundException)] = "unknown-job",
    };

    /// <summary>
    /// User-facing types no single request raises here, each with why and where its answer is tested instead. A new type
    /// must be added to <see cref="RaisedBy"/> or here, or <see cref="Every_user_facing_error_type_is_posted_or_explained"/> fails.
    /// </summary>
    private static readonly Dictionary<Type, string> NotFromOneRequest = new()
    {
        [typeof(SuggesterOverloadedException)] = "needs the queue full: HttpApiTests.An_overloaded_engine_answers_503_with_retry_after",
        [typeof(SuggesterWarmingUpException)] = "needs the demo model still training (minutes); mapped to 503 + Retry-After like every SuggesterUnavailableException",
        [typeof(SuggesterUnavailableException)] = "base of the two above",
        [typeof(ImageDecodeException)] = "base of the three image errors posted above",
        [typeof(Jobs.BulkJobStateException)] = "needs a finished job: HttpApiTests.Bulk_job_over_a_document_type_runs_to_completion_with_progress_and_unknown_jobs_are_404",
        [typeof(Tagging.KeyphraseEngineNotConfiguredException)] = "a site without a model configured; its 503 is checked by the mapping test below",
        [typeof(Tagging.ContentNotTaggableException)] = "raised inside jobs (item deleted or trashed meanwhile), recorded as the item's failure",
        [typeof(Inference.Images.Vips.VipsStartException)] = "start-up: libvips missing",
        [typeof(Serving.KeyphraseModelUnavailableException)] = "a model file missing or unloadable when the site starts: ModelLoadTests answer 503 with the reason",
        [typeof(Inference.Llama.ProjectorMismatchException)] = "start-up: the configured projector does not fit the model",
        [typeof(DynamicCot.Keyphrases.Data.DatasetFormatException)] = "command-line dataset files, never read from a request",
        [typeof(KeyphraseFormatException)] = "writing training targets (command line), never from a request",
    };

    private static async Task<HttpResponseMessage> Suggest(HttpClient client, string text, byte[]? image = null, string fileName = "photo.jpg")
    {
        var form = new MultipartFormDataContent { { new StringContent(text), "text" } };
        if (image is not null)
        {
            var file = new ByteArrayContent(image);
            file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            form.Add(file, "image", fileName);
        }
        return await client.PostAsync($"{Api}/suggest", form);
    }

    private static StringContent JsonBody(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static byte[] JpegLookingBytes(int length)
    {
        var bytes = new byte[length];
        bytes[0] = 0xFF; bytes[1] = 0xD8; bytes[2] = 0xFF;
        return bytes;
    }

    private static async Task AssertProblemNaming(HttpResponseMessage response, HttpStatusCode status, string field)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = JsonDocument.Parse(body).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), $"errors should name {field}: {errors}");
        Assert.False(string.IsNullOrWhiteSpace(messages[0].GetString()));
    }

    public static TheoryData<string> InputNames() => new(Inputs.Keys);

    [Theory]
    [MemberData(nameof(InputNames))]
    public async Task Hostile_input_gets_a_4xx_problem_naming_the_field(string name)
    {
        var input = Inputs[name];
        using var response = await input.Send(host.Client);
        await AssertProblemNaming(response, input.Status, input.Field);
    }

    [Fact]
    public async Task A_bomb_png_is_refused_for_its_declared_size_before_decoding()
    {
        using var response = await Inputs["bomb-png"].Send(host.Client);
        var message = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").GetProperty("image")[0].GetString();
        Assert.Contains("40000×40000", message);
        Assert.Contains("limit", message);
    }

    [Fact]
    public async Task One_megabyte_of_text_is_answered_from_the_text_cut_to_its_limit()
    {
        var post = "Spreetunnel under the river in Berlin, a walk at dusk along the water. ";
        var text = new StringBuilder();
        while (text.Length < MiB) text.Append(post);
        using var response = await Suggest(host.Client, text.ToString());
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        // The prompt holds at most the documented number of characters of the post, far below what 1 MB would take.
        var promptTokens = JsonDocument.Parse(body).RootElement.GetProperty("promptTokens").GetInt32();
        Assert.InRange(promptTokens, 1, new KeyphrasePromptOptions().MaxTextCharacters + 200);
    }

    [Fact]
    public async Task Raising_MaxImageBytes_raises_the_decoders_limit_too()
    {
        // A real 25 MB PNG (a small picture plus a private ancillary chunk decoders skip): over the 20 MB default.
        var png = HandMadeImages.WithPaddingChunk(NetVips.Image.Black(48, 32).PngsaveBuffer(), 25 * MiB);
        using (var refused = await Suggest(host.Client, "harbour", png, "big.png"))
            await AssertProblemNaming(refused, HttpStatusCode.RequestEntityTooLarge, "image");

        using var state = TestPaths.NewTempFolder("dynamiccot-hostile-big");
        var (app, client) = await host.StartAsync(state.Path, $"--DynamicCot:MaxImageBytes={40 * MiB}");
        await using (app)
        using (client)
        {
            using var answered = await Suggest(client, "harbour", png, "big.png");
            Assert.True(answered.StatusCode == HttpStatusCode.OK, await answered.Content.ReadAsStringAsync());
            await app.StopAsync();
        }
    }

    /// <summary>Every user-facing error type of the assemblies the plugin runs on.</summary>
    private static IEnumerable<Type> UserFacingTypes() =>
        new[] { typeof(IUserFacingError), typeof(ImageDecoder), typeof(ApiErrorMapping) }
            .Select(t => t.Assembly).Distinct()
            .SelectMany(a => a.GetTypes())
            .Where(t => typeof(IUserFacingError).IsAssignableFrom(t) && typeof(Exception).IsAssignableFrom(t))
            .OrderBy(t => t.FullName, StringComparer.Ordinal);

    [Fact]
    public async Task Every_user_facing_error_type_is_posted_or_explained()
    {
        var types = UserFacingTypes().ToList();
        Assert.Contains(typeof(ImageTooLargeException), types);
        var unexplained = types.Where(t => !RaisedBy.ContainsKey(t) && !NotFromOneRequest.ContainsKey(t)).ToList();
        Assert.True(unexplained.Count == 0, "user-facing errors without a hostile request or a reason: " + string.Join(", ", unexplained));

        foreach (var (type, inputName) in RaisedBy)
        {
            var input = Inputs[inputName];
            using var response = await input.Send(host.Client);
            await AssertProblemNaming(response, input.Status, input.Field);
        }
    }

    [Fact]
    public void Every_user_facing_error_type_maps_to_a_4xx_or_503_never_a_500()
    {
        foreach (var type in UserFacingTypes().Where(t => !t.IsAbstract))
        {
            var error = (Exception)RuntimeHelpers.GetUninitializedObject(type);
            var result = ApiErrorMapping.ToResult(error, new DefaultHttpContext().Response);
            Assert.True(result is not null, $"{type.Name} is not mapped");
            Assert.True(result.StatusCode is >= 400 and < 500 or 503, $"{type.Name} maps to {result.StatusCode}");
        }
    }
}
