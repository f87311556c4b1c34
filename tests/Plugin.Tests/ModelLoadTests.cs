using System.Net;
using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Plugin.Api;
using DynamicCot.Plugin.Content;
using DynamicCot.Plugin.Serving;
using DynamicCot.Plugin.Tests.TestDoubles;
using DynamicCot.Tests.Shared;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DynamicCot.Plugin.Tests;

/// <summary>The model loads in the background; a missing or broken model never stops the site from starting.</summary>
public sealed class ModelLoadTests
{
    [Fact]
    public async Task A_site_whose_model_file_is_missing_starts_and_suggestions_answer_503_naming_the_file()
    {
        using var folder = TestPaths.NewTempFolder();
        var missing = Path.Combine(folder.Path, "model.gguf");
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DynamicCot:JobStore:SqliteFolder"] = Path.Combine(folder.Path, "jobs"),
            ["DynamicCot:Engine:ModelPath"] = missing,
        }).Build();
        var services = new ServiceCollection().AddLogging();
        // The real engine factory the Umbraco composer uses.
        services.AddDynamicCot(config, folder.Path, LlamaSuggesterFactory.Create);
        services.AddSingleton<IContentRepository>(new RecordingContentRepository());
        services.AddSingleton<IMediaBytesSource>(new DictionaryMedia());
        await using var provider = services.BuildServiceProvider();
        var hosted = provider.GetServices<IHostedService>().ToList();
        foreach (var service in hosted) await service.StartAsync(CancellationToken.None); // no throw: the site starts
        try
        {
            var engine = Assert.IsType<BackgroundLoadedSuggester>(provider.GetRequiredService<IKeyphraseSuggester>());
            await Record.ExceptionAsync(() => engine.WhenSettled);
            var error = await Assert.ThrowsAsync<KeyphraseModelUnavailableException>(() => engine.SuggestAsync("harbour", null));
            Assert.Contains($"file '{missing}' does not exist", error.Message);
            Assert.Contains("DynamicCot:Engine:ModelPath", error.Message);

            // What the API answers for it.
            var response = new DefaultHttpContext().Response;
            var answer = ApiErrorMapping.ToResult(error, response)!;
            Assert.Equal((int)HttpStatusCode.ServiceUnavailable, answer.StatusCode);
            Assert.True(int.Parse(response.Headers.RetryAfter!) >= 1);
        }
        finally
        {
            foreach (var service in Enumerable.Reverse(hosted)) await service.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task While_the_model_loads_suggestions_answer_warming_up_then_the_engine_answers_and_a_failed_load_is_retried_after_a_back_off()
    {
        var clock = new ManualClock();
        var release = new ManualResetEventSlim();
        var attempts = 0;
        var engine = new WordSuggester();
        await using var loader = new BackgroundLoadedSuggester(() =>
        {
            if (Interlocked.Increment(ref attempts) == 1) throw new InvalidOperationException("llama.cpp could not read 'model.gguf'.");
            release.Wait();
            return engine;
        }, "model.gguf", clock, NullLogger.Instance);

        await Record.ExceptionAsync(() => loader.WhenSettled);
        var failed = await Assert.ThrowsAsync<KeyphraseModelUnavailableException>(() => loader.SuggestAsync("harbour lighthouse", null));
        Assert.Contains("could not read 'model.gguf'", failed.Message);
        Assert.Equal(BackgroundLoadedSuggester.FirstRetry, failed.RetryAfter);
        Assert.Equal(1, attempts); // no retry before the back-off is over

        clock.Advance(BackgroundLoadedSuggester.FirstRetry);
        await Assert.ThrowsAsync<SuggesterWarmingUpException>(() => loader.SuggestAsync("harbour lighthouse", null)); // retried, loading
        await Assert.ThrowsAsync<SuggesterWarmingUpException>(() => loader.SuggestAsync("harbour lighthouse", null));
        release.Set();
        await loader.WhenSettled;
        var answer = await loader.SuggestAsync("harbour lighthouse", null);
        Assert.NotEmpty(answer.Keyphrases);
        Assert.Equal(2, attempts);
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = DateTimeOffset.UnixEpoch;
        public void Advance(TimeSpan by) => _now += by;
        public override DateTimeOffset GetUtcNow() => _now;
    }
}
