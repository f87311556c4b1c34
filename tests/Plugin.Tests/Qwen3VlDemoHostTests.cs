using System.Net;
using System.Text.Json;
using DynamicCot.Gguf;
using DynamicCot.Keyphrases.Prompting;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.ModelFiles.Qwen;
using DynamicCot.Plugin.Api;
using DynamicCot.Plugin.DemoHost;
using DynamicCot.Tests.Shared;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace DynamicCot.Plugin.Tests;

/// <summary>
/// The demo host pointed at a Qwen3-VL Thinking model by its settings alone (<c>DynamicCot:Engine:ModelPath</c> /
/// <c>MmprojPath</c>, as in the README): the real engine loads it and the suggest API answers a post with a photo.
/// </summary>
public sealed class Qwen3VlDemoHostTests
{
    [Fact]
    public async Task The_demo_host_serves_a_qwen3vl_thinking_model_from_its_settings()
    {
        using var folder = TestPaths.NewTempFolder("dynamiccot-qwen3vl-demo");
        var checkpoint = folder.File("hf");
        TinyQwenVlFactory.Create(checkpoint, new TinyModelOptions { Architecture = QwenVlArchitecture.Qwen3Vl, Seed = 7, ChatTemplate = Qwen3VlChatTemplates.Thinking },
            TinyCorpus.Read(TinyCorpus.DefaultFiles()));
        var model = folder.File("lm.gguf");
        var projector = folder.File("mmproj.gguf");
        QwenVlGgufConverter.Convert(checkpoint, model, projector, new ConversionOptions { OutputType = GgufOutputType.F16 });
        using (var file = GgufFile.Open(model))
            Assert.True(file.Metadata.GetBool(ChatTemplateThinking.MetadataKey));

        var app = DemoHostApp.Build(
        [
            "--urls=http://127.0.0.1:0",
            $"--Demo:DataFolder={TestPaths.SharedData}",
            $"--Demo:StateFolder={folder.File("state")}",
            $"--DynamicCot:JobStore:SqliteFolder={folder.File("jobs")}",
            $"--DynamicCot:Engine:ModelPath={model}",
            $"--DynamicCot:Engine:MmprojPath={projector}",
            "--DynamicCot:Engine:Threads=2",
            "--DynamicCot:Engine:ParallelRequests=1",
            "--DynamicCot:AutoTagOnPublish=false",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await app.StartAsync();
        try
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(2) };
            var photo = TestPaths.Data("vmu16_small_events", "images", "eclipse_01.jpg");
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (true)
            {
                using var form = new MultipartFormDataContent
                {
                    { new StringContent("Eclipse over the city tonight"), "text" },
                    { new ByteArrayContent(await File.ReadAllBytesAsync(photo)), "image", "eclipse_01.jpg" },
                };
                using var response = await client.PostAsync($"/{ApiRoutes.Base}/suggest", form);
                var body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode == HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(250); // the model loads in the background after the site starts
                    continue;
                }
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
                using var json = JsonDocument.Parse(body);
                // The photo's embeddings are in the prompt (a text-only prompt is a few dozen tokens), and the model answered.
                Assert.True(json.RootElement.GetProperty("promptTokens").GetInt32() > 100, body);
                Assert.True(json.RootElement.GetProperty("generatedTokens").GetInt32() > 0, body);
                break;
            }
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
