using System.Text;
using System.Text.Json;
using DynamicCot.Gguf;
using DynamicCot.Inference.Llama;
using DynamicCot.Keyphrases.Prompting;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.ModelFiles.Qwen;
using DynamicCot.Tests.Shared;
using HfReference = Tokenizers.DotNet.Tokenizer;

namespace DynamicCot.ModelFiles.Tests.Qwen;

/// <summary>
/// The GGUF converted from a checkpoint with Qwen's real tokenizer tokenizes, through llama.cpp, exactly as Hugging
/// Face's own <c>tokenizers</c> library (Tokenizers.DotNet 1.4.1) does with that checkpoint's tokenizer.json — on
/// every text of the shared fixture data and on strings chosen to break byte-level BPE ports.
/// </summary>
public sealed class RealTokenizerFidelityTests(RealTokenizerModel model) : IClassFixture<RealTokenizerModel>
{
    public static readonly string[] HardStrings =
    [
        "👩‍👩‍👧‍👦 family, 🏳️‍🌈 flag, 👍🏽 thumbs, 🇯🇵 and 🧑🏿‍💻 at work",
        "東京タワーの夜景がきれい #東京 #夜景", "北京欢迎你！我们今天去长城。", "안녕하세요 세계, 오늘은 좋은 날", "नमस्ते दुनिया",
        "مرحبا بالعالم #السعودية ١٢٣٤", "שלום עולם",
        "#ThrowbackThursday @NASA_JPL #AI4Good #2024Olympics @user.name_99 #café",
        "see https://example.com/path/to?q=1&x=%20y#frag and www.umbraco.com/docs/v18 or mailto:a@b.co",
        "1234567890123 3.14159 2,000,000 007 ①②③ Ⅻ 10⁻³ ½",
        "a  b   c\t\td\n\n\ne \r\n f      ", "   leading", "trailing   \n", "\n\n\n\n", "  \t \n  \n ", " ", "",
        "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n", "<|vision_start|><|image_pad|><|vision_end|>",
        "<|endoftext|>", "<think>reasoning</think><answer>a, b</answer>", "<|im_start", "<tool_call>", "<|box_start|>(1,2)<|box_end|>",
        Encoding.UTF8.GetString([0x66, 0xff, 0xfe, 0x6f, 0xc3, 0x28, 0xe2, 0x82]),
        "Cafe\u0301 de\u0301ja\u0300 vu", "\u1100\u1161\u11A8 (decomposed Hangul)", "A\u030A ångström Å",
        "I'm he's THEY'LL we'VE don't y'all", "ﬁ ligature ℌ ｆｕｌｌ ｗｉｄｔｈ", "ẞ straße ΣΊΣΥΦΟΣ",
        "x" + new string('!', 40) + "\u200b\u200d\ufeff", "tab\there\u00a0nbsp\u3000ideographic",
    ];

    [Fact]
    public void Llama_cpp_ids_equal_hugging_face_tokenizers_on_every_post_and_hard_string()
    {
        using var reference = new HfReference(vocabPath: Path.Combine(model.Checkpoint, TokenizerJson.FileName));
        using var llama = LlamaModel.Load(model.LanguageModel);
        var texts = SharedPostTexts().Concat(HardStrings).ToList();
        Assert.True(texts.Count > 7000, $"only {texts.Count} texts found in {TestPaths.SharedData}");

        var mismatches = new List<string>();
        foreach (var text in texts)
        {
            var expected = reference.Encode(text).Select(id => (int)id).ToArray();
            var actual = llama.Vocab.Tokenize(KeyphrasePromptBuilder.ForTokenizer(text), addSpecial: false, parseSpecial: true).Select(t => t.Value).ToArray();
            if (!expected.SequenceEqual(actual))
            {
                var at = expected.Zip(actual).TakeWhile(pair => pair.First == pair.Second).Count();
                var from = Math.Max(0, at - 3);
                mismatches.Add($"{Escape(text)} at token {at}: {Escape(reference.Decode(expected.Skip(from).Take(8).Select(id => (uint)id).ToArray()))}\n"
                    + $"  hf:    {string.Join(' ', expected.Skip(from).Take(8))}\n  llama: {string.Join(' ', actual.Skip(from).Take(8))}");
            }
        }
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {texts.Count} texts differ; first:\n{string.Join("\n", mismatches.Take(18))}");
    }

    [Fact]
    public void Inspect_tokenize_prints_the_ids_hugging_face_tokenizers_gives()
    {
        // One string holding every hard string (decomposed accents included, so the NFC step is exercised) through the
        // real command line, as a user would call it.
        var text = string.Join("\n", HardStrings);
        using var reference = new HfReference(vocabPath: Path.Combine(model.Checkpoint, TokenizerJson.FileName));
        var result = CliProcess.Quantize.Run("inspect", model.LanguageModel, "--tokenize", text, "--json");
        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        var ids = json.RootElement.GetProperty("ids").EnumerateArray().Select(id => id.GetInt32()).ToArray();
        Assert.Equal(reference.Encode(text).Select(id => (int)id), ids);
        Assert.Equal(ids.Length, json.RootElement.GetProperty("count").GetInt32());
        Assert.True(json.RootElement.GetProperty("normalized").GetBoolean());
        Assert.Equal(text, json.RootElement.GetProperty("text").GetString());
        var pieces = json.RootElement.GetProperty("pieces").EnumerateArray().ToArray();
        Assert.Equal("<|im_start|>", pieces[ids.ToList().IndexOf(151_644)].GetProperty("text").GetString());
    }

    [Fact]
    public void Without_nfc_the_decomposed_strings_differ()
    {
        // Why the normalisation step is there: llama.cpp tokenizes the decomposed form to other ids.
        using var reference = new HfReference(vocabPath: Path.Combine(model.Checkpoint, TokenizerJson.FileName));
        using var llama = LlamaModel.Load(model.LanguageModel);
        var text = "Cafe\u0301 de\u0301ja\u0300 vu";
        var raw = llama.Vocab.Tokenize(text, addSpecial: false, parseSpecial: true).Select(t => t.Value);
        Assert.NotEqual(reference.Encode(text).Select(id => (int)id), raw);
    }

    [Fact]
    public void Decoding_the_ids_gives_back_nfc_text()
    {
        using var llama = LlamaModel.Load(model.LanguageModel);
        foreach (var text in SharedPostTexts().Take(2000).Concat(HardStrings).Select(KeyphrasePromptBuilder.ForTokenizer))
        {
            var tokens = llama.Vocab.Tokenize(text, addSpecial: false, parseSpecial: true);
            Assert.Equal(text, llama.Vocab.Detokenize(tokens, removeSpecial: false, unparseSpecial: true));
        }
    }

    [Fact]
    public void Vocabulary_metadata_is_what_llama_cpp_converter_writes_for_qwen2_vl()
    {
        // convert_hf_to_gguf.py (ggml-org/llama.cpp 0024aa74): TextModel.get_vocab_base writes [PAD{i}] as UNUSED up to
        // config vocab_size, special added tokens as CONTROL; SpecialVocab takes eos/pad from tokenizer_config.json
        // (<|im_end|>, <|endoftext|>), bos from config.json's bos_token_id, add_bos_token=false; the qwen2 pre-tokenizer.
        using var gguf = GgufFile.Open(model.LanguageModel);
        var meta = gguf.Metadata;
        Assert.Equal("gpt2", meta.GetString("tokenizer.ggml.model"));
        Assert.Equal("qwen2", meta.GetString("tokenizer.ggml.pre"));
        var tokens = meta.GetArray<string>("tokenizer.ggml.tokens");
        var types = meta.GetArray<int>("tokenizer.ggml.token_type");
        Assert.Equal(ModelPresets.QwenVocabSize, tokens.Length);
        Assert.Equal(151_387, meta.GetArray<string>("tokenizer.ggml.merges").Length);
        Assert.All(Enumerable.Range(0, 151_643), id => Assert.Equal((int)GgufTokenType.Normal, types[id]));
        Assert.All(Enumerable.Range(151_643, 14), id => Assert.Equal((int)GgufTokenType.Control, types[id]));
        Assert.All(Enumerable.Range(151_657, ModelPresets.QwenVocabSize - 151_657), id =>
        {
            Assert.Equal((int)GgufTokenType.Unused, types[id]);
            Assert.Equal($"[PAD{id}]", tokens[id]);
        });
        Assert.Equal("<|video_pad|>", tokens[151_656]);
        Assert.Equal(151_643u, meta.GetUInt32("tokenizer.ggml.bos_token_id"));
        Assert.Equal(151_645u, meta.GetUInt32("tokenizer.ggml.eos_token_id"));
        Assert.Equal(151_643u, meta.GetUInt32("tokenizer.ggml.padding_token_id"));
        Assert.False(meta.GetBool("tokenizer.ggml.add_bos_token"));
        Assert.Contains("<|im_start|>", meta.GetString("tokenizer.chat_template"));

        using var llama = LlamaModel.Load(model.LanguageModel);
        Assert.Equal(151_645, llama.Vocab.Eos.Value);
        Assert.False(llama.Vocab.AddsBos);
    }

    /// <summary>Every string field of every line of every JSONL file in the shared data (posts, titles, keyphrases).</summary>
    public static IEnumerable<string> SharedPostTexts()
    {
        foreach (var file in Directory.EnumerateFiles(TestPaths.SharedData, "*.jsonl", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (Path.GetFileName(file).Contains("sha256", StringComparison.Ordinal))
                continue;
            foreach (var line in File.ReadLines(file))
            {
                using var document = JsonDocument.Parse(line);
                foreach (var text in Strings(document.RootElement))
                    yield return text;
            }
        }
    }

    private static IEnumerable<string> Strings(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Object => element.EnumerateObject().SelectMany(property => Strings(property.Value)).ToList(),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(Strings).ToList(),
        _ => [],
    };

    private static string Escape(string text) => JsonSerializer.Serialize(text.Length > 200 ? text[..200] : text);
}
