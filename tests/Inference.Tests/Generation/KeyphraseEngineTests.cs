using System.Text.Json;
using DynamicCot.Inference.Generation;
using DynamicCot.Inference.Images;
using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Inference.Tests.Generation;

/// <summary>The engine on tiny real-architecture models: parseable, deterministic, concurrent, cancellable, disposable.</summary>
[Collection(TinyModelCollection.Name)]
public sealed class KeyphraseEngineTests(TinyModels models)
{
    // 12 tokens: random weights write one run of words until the budget ends; a short run is still a tag (TagRules).
    private static readonly SuggestionOptions Quick = new() { Thinking = ThinkingMode.Off, MaxTokens = 12, MaxKeyphrases = 5 };

    private KeyphraseEngine Start(QwenVlArchitecture arch, int parallel = 4, int queue = 64)
    {
        var files = models.Get(arch);
        return KeyphraseEngine.Start(new KeyphraseEngineOptions
        {
            ModelPath = files.LanguageModel, ProjectorPath = files.Projector, Threads = 2, MaxParallelSequences = parallel,
            ContextPerSequence = 1024, ImageMaxTokens = 64, QueueLimit = queue,
        });
    }

    public static IEnumerable<object[]> Posts()
    {
        foreach (var line in File.ReadLines(TestPaths.Data("vmu16_small_events", "data.jsonl")).Where(l => l.Contains("\"image\": \"", StringComparison.Ordinal) || l.Contains("\"image\":\"", StringComparison.Ordinal)).Take(2))
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            yield return [root.GetProperty("text_raw").GetString()!, TestPaths.Data("vmu16_small_events", root.GetProperty("image").GetString()!)];
        }
        foreach (var line in File.ReadLines(TestPaths.Data("flickr10", "data.jsonl")).Take(1))
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            yield return [root.GetProperty("title").GetString()!, TestPaths.Data("flickr10", root.GetProperty("image").GetString()!)];
        }
    }

    [Theory]
    [InlineData(QwenVlArchitecture.Qwen2Vl)]
    [InlineData(QwenVlArchitecture.Qwen25Vl)]
    public async Task Real_posts_and_photos_give_parseable_deterministic_suggestions(QwenVlArchitecture arch)
    {
        using var engine = Start(arch);
        foreach (var post in Posts())
        {
            var (text, imagePath) = ((string)post[0], (string)post[1]);
            var image = await ImageInput.FromFileAsync(imagePath);
            var first = await engine.SuggestAsync(text, image, Quick);
            var second = await engine.SuggestAsync(text, image, Quick);
            Assert.StartsWith("<answer>", first.RawOutput);
            // A random-weight model writes some strings no CMS would store as a tag; the tag rules drop and count those.
            Assert.True(first.Keyphrases.Count + first.DroppedKeyphrases > 0, $"no keyphrase parsed from {first.RawOutput}");
            Assert.All(first.Keyphrases, k => Assert.InRange(k.Confidence, 0, 1));
            Assert.True(first.PromptTokens > 20, $"prompt with an image has {first.PromptTokens} tokens");
            Assert.Equal(first.RawOutput, second.RawOutput);
            Assert.Equal(first.Keyphrases, second.Keyphrases);
        }

        var textOnly = await engine.SuggestAsync("Huge crowds gather downtown for the marathon finish", null, Quick);
        Assert.True(textOnly.Keyphrases.Count + textOnly.DroppedKeyphrases > 0, $"no keyphrase parsed from {textOnly.RawOutput}");
    }

    [Fact]
    public async Task Thinking_modes_shape_the_output()
    {
        using var engine = Start(QwenVlArchitecture.Qwen2Vl);
        const string text = "Volcano erupts near the village, ash everywhere";
        var capped = await engine.SuggestAsync(text, null, new SuggestionOptions { Thinking = ThinkingMode.Capped, MaxThinkingTokens = 6, MaxTokens = 64 });
        Assert.Contains("<answer>", capped.RawOutput);
        if (capped.RawOutput.StartsWith("<think>", StringComparison.Ordinal))
            Assert.Contains("</think><answer>", capped.RawOutput);
        var off = await engine.SuggestAsync(text, null, Quick);
        Assert.DoesNotContain("<think>", off.RawOutput);
        Assert.Null(off.Rationale);
    }

    [Fact]
    public async Task A_rationale_cut_at_its_budget_always_ends_in_a_well_formed_answer()
    {
        // The engine closes a rationale that used its budget by forcing "</think><answer>" into the context; those
        // tokens once went through llama.cpp's grammar, and a split that emptied the grammar stack aborted the process.
        using var engine = Start(QwenVlArchitecture.Qwen2Vl, parallel: 4);
        var posts = File.ReadLines(TestPaths.Data("vmu16_small_events", "data.jsonl"))
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Select(post => (Text: "In <think></think>, write a short rationale that reasons from what the image shows and what the text says to its hashtags. Then, in <answer></answer>, list the hashtags.\nPost: " + post.GetProperty("text_raw").GetString(),
                Image: post.TryGetProperty("image", out var image) && image.ValueKind == JsonValueKind.String ? TestPaths.Data("vmu16_small_events", image.GetString()!) : null))
            .Take(24).ToList();
        var results = await Task.WhenAll(posts.Select(async (post, i) => await engine.SuggestAsync(post.Text,
            post.Image is null ? null : await ImageInput.FromFileAsync(post.Image),
            new SuggestionOptions { Thinking = ThinkingMode.Capped, MaxThinkingTokens = 1 + i % 6, MaxTokens = 64 })));
        var cut = 0;
        foreach (var result in results)
        {
            Assert.Contains("<answer>", result.RawOutput);
            if (!result.RawOutput.StartsWith("<think>", StringComparison.Ordinal))
                continue;
            cut++;
            Assert.Contains("</think><answer>", result.RawOutput);
            var answer = result.RawOutput[(result.RawOutput.IndexOf("<answer>", StringComparison.Ordinal) + "<answer>".Length)..];
            Assert.DoesNotContain("<", answer.Replace("</answer>", "", StringComparison.Ordinal));
        }
        Assert.True(cut > 0, "no post started a rationale, so the budget path was not exercised");
    }

    [Fact]
    public async Task Existing_tags_are_preferred_when_they_match()
    {
        using var engine = Start(QwenVlArchitecture.Qwen2Vl);
        // The first post for which the random-weight model writes a keyphrase that passes the tag rules.
        string? text = null, suggested = null;
        foreach (var candidate in File.ReadLines(TestPaths.Data("cmkp_dev", "train_sample200.jsonl")).Take(20)
                     .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("text").GetString()!)
                     .Prepend("Flooding in the city centre tonight"))
        {
            var plain = await engine.SuggestAsync(candidate, null, Quick);
            if (plain.Keyphrases.Count == 0) continue;
            (text, suggested) = (candidate, plain.Keyphrases[0].Text);
            break;
        }
        Assert.True(suggested is not null, "the tiny model kept no keyphrase for any of 21 posts");
        var existing = suggested!.ToUpperInvariant().Replace(' ', '_');
        var snapped = await engine.SuggestAsync(text!, null, Quick with { ExistingTags = [existing, "unrelated"] });
        Assert.Equal(existing, snapped.Keyphrases[0].Text);
        Assert.True(snapped.Keyphrases[0].MatchedExistingTag);
    }

    [Fact]
    public async Task Concurrent_requests_match_sequential_ones_and_cancellation_is_isolated()
    {
        using var engine = Start(QwenVlArchitecture.Qwen2Vl, parallel: 4);
        var texts = File.ReadLines(TestPaths.Data("cmkp_dev", "train_sample200.jsonl")).Take(16)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("text").GetString()!).ToArray();
        var sequential = new List<string>();
        foreach (var text in texts)
            sequential.Add((await engine.SuggestAsync(text, null, Quick)).RawOutput);

        using var cancel = new CancellationTokenSource();
        var doomed = engine.SuggestAsync(texts[0], null, Quick with { MaxTokens = 200 }, cancel.Token);
        var concurrent = texts.Select(t => engine.SuggestAsync(t, null, Quick)).ToArray();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => doomed);
        var results = await Task.WhenAll(concurrent);
        Assert.Equal(sequential, results.Select(r => r.RawOutput));
    }

    [Fact]
    public async Task A_full_queue_is_refused_and_dispose_mid_flight_fails_requests_cleanly()
    {
        var engine = Start(QwenVlArchitecture.Qwen2Vl, parallel: 1, queue: 2);
        var inFlight = Enumerable.Range(0, 6).Select(i => Task.Run(() => engine.SuggestAsync($"post number {i} about storms", null, Quick with { MaxTokens = 40 }))).ToArray();
        var outcomes = await Task.WhenAll(inFlight.Select(async t => { try { await t; return "ok"; } catch (SuggesterOverloadedException) { return "busy"; } catch (Exception e) { return e.GetType().Name; } }));
        Assert.Contains("busy", outcomes);
        Assert.Contains("ok", outcomes);

        var running = Enumerable.Range(0, 3).Select(i => engine.SuggestAsync($"long post {i}", null, Quick with { MaxTokens = 200 })).ToArray();
        engine.Dispose();
        foreach (var task in running)
        {
            var e = await Record.ExceptionAsync(() => task);
            Assert.True(e is null or ObjectDisposedException or OperationCanceledException or SuggesterOverloadedException, e?.ToString());
        }
        await Assert.ThrowsAsync<ObjectDisposedException>(() => engine.SuggestAsync("after dispose", null, Quick));
    }

    [Fact]
    public async Task Bad_input_is_a_typed_error()
    {
        using var engine = Start(QwenVlArchitecture.Qwen2Vl);
        using var folder = TestPaths.NewTempFolder();
        var fake = folder.File("photo.jpg");
        await File.WriteAllTextAsync(fake, "not really a jpeg");
        await Assert.ThrowsAsync<UnsupportedImageFormatException>(async () => await engine.SuggestAsync("text", await ImageInput.FromFileAsync(fake), Quick));
        await Assert.ThrowsAsync<SuggestionInputException>(() => engine.SuggestAsync("   ", null, Quick));
        await Assert.ThrowsAsync<SuggestionInputException>(() => engine.SuggestAsync("text", null, Quick with { MaxKeyphrases = 0 }));
    }

    [Fact]
    public async Task A_post_longer_than_the_context_is_refused_with_a_clear_message()
    {
        var files = models.Get(QwenVlArchitecture.Qwen2Vl);
        using var engine = KeyphraseEngine.Start(new KeyphraseEngineOptions
        {
            ModelPath = files.LanguageModel, ProjectorPath = files.Projector, Threads = 2, ContextPerSequence = 256,
            Prompt = new DynamicCot.Keyphrases.Prompting.KeyphrasePromptOptions { MaxTextCharacters = 100_000 },
        });
        var e = await Assert.ThrowsAsync<SuggestionInputException>(() => engine.SuggestAsync(string.Join(' ', Enumerable.Repeat("word", 3000)), null, Quick));
        Assert.Contains("too long", e.Message);
        // The engine is still usable afterwards.
        Assert.NotEmpty((await engine.SuggestAsync("short post", null, Quick)).Keyphrases);
    }
}
