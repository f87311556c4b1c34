using DynamicCot.Inference.Llama;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.Tests.Shared;

namespace DynamicCot.ModelFiles.Tests.Qwen;

/// <summary>The converted GGUF's vocabulary tokenizes real posts to exactly the ids the tokenizer.json gives.</summary>
[Collection(TinyModelCollection.Name)]
public sealed class TokenizerParityTests(TinyModels models)
{
    [Fact]
    public void Gguf_vocabulary_tokenizes_real_texts_like_tokenizer_json()
    {
        var files = models.Get(QwenVlArchitecture.Qwen2Vl);
        var hf = HfTokenizer.Load(files.Checkpoint);
        // llama.cpp does not apply the NFC normalizer; compare like for like.
        var encoder = new ByteLevelBpeEncoder(hf.Model, normalizeNfc: false);
        using var model = LlamaModel.Load(files.LanguageModel);

        var texts = RealTexts().Take(400).ToList();
        Assert.True(texts.Count >= 300, $"only {texts.Count} texts found");
        var mismatches = new List<string>();
        foreach (var text in texts)
        {
            var expected = encoder.Encode(text);
            var actual = model.Vocab.Tokenize(text, addSpecial: false, parseSpecial: true).Select(t => t.Value).ToArray();
            if (!expected.SequenceEqual(actual))
                mismatches.Add($"{text}\n  hf:    {string.Join(' ', expected)}\n  llama: {string.Join(' ', actual)}");
        }
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {texts.Count} texts differ; first:\n{mismatches.FirstOrDefault()}");

        // Special tokens are control tokens and round-trip through both.
        var chat = "<|im_start|>user\nhello<|im_end|>";
        Assert.Equal(encoder.Encode(chat), model.Vocab.Tokenize(chat).Select(t => t.Value).ToArray());
        Assert.Equal(hf.TokenId("<|im_end|>"), model.Vocab.Eos.Value);
    }

    private static IEnumerable<string> RealTexts()
    {
        foreach (var line in File.ReadLines(TestPaths.Data("cmkp_dev", "valid.jsonl")).Take(250))
        {
            using var doc = System.Text.Json.JsonDocument.Parse(line);
            yield return doc.RootElement.GetProperty("text").GetString()!;
        }
        foreach (var line in File.ReadLines(TestPaths.Data("vmu16_small_events", "data.jsonl")))
        {
            using var doc = System.Text.Json.JsonDocument.Parse(line);
            yield return doc.RootElement.GetProperty("text_raw").GetString()!;
        }
        foreach (var line in File.ReadLines(TestPaths.Data("text_kp", "Inspec.jsonl")).Take(100))
        {
            using var doc = System.Text.Json.JsonDocument.Parse(line);
            yield return doc.RootElement.GetProperty("text").GetString()!;
        }
    }
}
