using System.Text.Json;
using DynamicCot.Inference.Llama;
using DynamicCot.Keyphrases.Prompting;
using DynamicCot.Tests.Shared;

namespace DynamicCot.ModelFiles.Tests.Qwen;

/// <summary>
/// The prompt the server and the trainer build is the model's own chat template rendered for the same messages, token
/// for token. The renderings are a fixture made by <c>Fixtures/render-chat-template.mjs</c> (Qwen's real
/// tokenizer_config.json through @huggingface/jinja).
/// </summary>
public sealed class ChatTemplatePromptTests(RealTokenizerModel model) : IClassFixture<RealTokenizerModel>
{
    private const string ImageBlock = "<|vision_start|><|image_pad|><|vision_end|>";

    [Fact]
    public void Served_prompt_equals_the_chat_template_rendering_token_for_token()
    {
        using var fixture = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "tests", "ModelFiles.Tests", "Fixtures", "chat-template-rendering.json")));
        var root = fixture.RootElement;
        var options = new KeyphrasePromptOptions();
        Assert.True(options.Instruction == root.GetProperty("instruction").GetString()
            && options.SystemMessage == root.GetProperty("system").GetString(),
            "The prompt's instruction or system message changed: re-run tests/ModelFiles.Tests/Fixtures/render-chat-template.mjs.");

        var builder = new KeyphrasePromptBuilder(options);
        using var llama = LlamaModel.Load(model.LanguageModel);
        foreach (var item in root.GetProperty("cases").EnumerateArray())
        {
            var rendered = item.GetProperty("rendered").GetString()!;
            // mtmd replaces the media marker with <|vision_start|>, the image's embeddings and <|vision_end|>, which
            // is where the template's image block stands (the <|image_pad|> placeholder is what the embeddings replace).
            var prompt = builder.BuildPrompt(item.GetProperty("post").GetString()!, item.GetProperty("hasImage").GetBoolean())
                .Replace(options.MediaMarker, ImageBlock, StringComparison.Ordinal);
            Assert.Equal(rendered, prompt);
            Assert.Equal(
                llama.Vocab.Tokenize(rendered, addSpecial: false, parseSpecial: true).Select(t => t.Value),
                llama.Vocab.Tokenize(prompt, addSpecial: false, parseSpecial: true).Select(t => t.Value));
        }
    }
}
