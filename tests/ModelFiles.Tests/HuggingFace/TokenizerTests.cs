using System.Diagnostics;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.Tests.Shared;
using Xunit.Abstractions;

namespace DynamicCot.ModelFiles.Tests.HuggingFace;

public sealed class TokenizerTests(ITestOutputHelper output)
{
    private static readonly Lazy<HfTokenizer> Trained = new(() =>
        ByteLevelBpeTrainer.TrainQwenTokenizer(TrainingTexts(), new ByteLevelBpeTrainerOptions { VocabSize = 1200 }));

    private static IEnumerable<string> TrainingTexts() =>
        ByteLevelBpeTrainer.ReadJsonLines(TestPaths.Data("cmkp_dev", "train_sample200.jsonl"))
            .Concat(ByteLevelBpeTrainer.ReadJsonLines(TestPaths.Data("vmu16_small_events", "data.jsonl"), "text_raw"))
            .Concat(ByteLevelBpeTrainer.ReadJsonLines(TestPaths.Data("text_kp", "KPTimes_train_sample10.jsonl")));

    private static readonly string[] Tricky =
    [
        "Nepal earthquake 😢🙏 https://t.co/AbC123?x=1&y=2 #prayfornepal",
        "東京で地震がありました。皆さん大丈夫ですか？",
        "Москва — столица России. Ελληνικά. עברית. العربية",
        "𝐁𝐨𝐥𝐝 𝟏𝟐𝟑 letters and 👨‍👩‍👧 families 🇳🇵",
        "tabs\tand\r\nnewlines\n\n\n   trailing   ",
        "It's we'LL they're I'M 'tis",
        "café vs cafe\u0301",
        "",
    ];

    [Fact]
    public void ByteAlphabetMatchesGpt2()
    {
        Assert.Equal('Ġ', ByteLevelAlphabet.ByteToChar((byte)' '));
        Assert.Equal('Ċ', ByteLevelAlphabet.ByteToChar((byte)'\n'));
        Assert.Equal('!', ByteLevelAlphabet.OrderedCharacters[0]);
        Assert.Equal('Ā', ByteLevelAlphabet.OrderedCharacters[188]); // byte 0 is the first remapped byte
        Assert.Equal(256, ByteLevelAlphabet.OrderedCharacters.Distinct().Count());
    }

    [Theory]
    [InlineData("Hello world's 123 !!\n\n  x", new[] { "Hello", " world", "'s", " ", "1", "2", "3", " !!\n\n", " ", " x" })]
    [InlineData("𝐇𝐞𝐥𝐥𝐨 😀!", new[] { "𝐇𝐞𝐥𝐥𝐨", " 😀!" })]
    [InlineData("x 𝟏2", new[] { "x", " ", "𝟏", "2" })]
    [InlineData("日本語のテキスト", new[] { "日本語のテキスト" })]
    [InlineData("a\r\n\r\nb", new[] { "a", "\r\n\r\n", "b" })]
    [InlineData("don'T stop", new[] { "don", "'T", " stop" })]
    public void PreTokenizerSplitsLikeQwen2(string text, string[] expected) =>
        Assert.Equal(expected, Qwen2PreTokenizer.Split(text));

    [Fact]
    public void FastBmpPatternSplitsLikeTheFullPattern()
    {
        var texts = ByteLevelBpeTrainer.ReadJsonLines(TestPaths.Data("cmkp_dev", "valid.jsonl")).Take(1000).Concat(Tricky)
            .Select(text => text.Replace("😢", "").Replace("🙏", "").Replace("👨‍👩‍👧", "").Replace("🇳🇵", "").Replace("𝐁𝐨𝐥𝐝 𝟏𝟐𝟑", "bold 123"));
        foreach (var text in texts)
        {
            if (text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0)
                continue;
            var fast = Qwen2PreTokenizer.RegexFor(text).EnumerateMatches(text);
            var full = Qwen2PreTokenizer.Regex.EnumerateMatches(text);
            while (fast.MoveNext())
            {
                Assert.True(full.MoveNext());
                Assert.Equal((full.Current.Index, full.Current.Length), (fast.Current.Index, fast.Current.Length));
            }
            Assert.False(full.MoveNext());
        }
    }

    [Fact]
    public void LearnsHandCheckedMerges()
    {
        var model = ByteLevelBpeTrainer.Train(["ab ab ab abc"], new ByteLevelBpeTrainerOptions { VocabSize = 1000, SpecialTokens = [] });
        Assert.Equal([new BpeMerge("a", "b"), new BpeMerge("Ġ", "ab")], model.Merges);
        Assert.Equal(258, model.Vocab.Count);
        var encoder = new ByteLevelBpeEncoder(model);
        var ids = encoder.Encode(" abc");
        Assert.Equal(["Ġab", "c"], ids.Select(id => encoder.IdToToken(id)));
        Assert.Equal(" abc", encoder.Decode(ids));
    }

    [Fact]
    public void TrainingIsDeterministicAndTokensAreUnique()
    {
        var first = ByteLevelBpeTrainer.Train(TrainingTexts(), new ByteLevelBpeTrainerOptions { VocabSize = 600 });
        var second = ByteLevelBpeTrainer.Train(TrainingTexts().Reverse(), new ByteLevelBpeTrainerOptions { VocabSize = 600 });
        Assert.Equal(first.Merges, second.Merges);
        Assert.Equal(600, first.Vocab.Count);

        var table = new HfTokenizer(first, new TokenizerConfig()).GetTokenTable();
        Assert.Equal(600 + QwenChatTemplate.SpecialTokens.Count, table.Count);
        Assert.Equal(table.Count, table.Select(entry => entry.Text).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(QwenChatTemplate.EndOfText, table[600].Text);
        Assert.Equal(HfTokenKind.Control, table[600].Kind);
        Assert.All(table.Take(600), entry => Assert.Equal(HfTokenKind.Normal, entry.Kind));
    }

    [Fact]
    public void RoundTripsRealPostsAndTrickyText()
    {
        var encoder = Trained.Value.Encoder;
        var posts = ByteLevelBpeTrainer.ReadJsonLines(TestPaths.Data("cmkp_dev", "valid.jsonl")).Take(500)
            .Concat(ByteLevelBpeTrainer.ReadJsonLines(TestPaths.Data("vmu16_small_events", "data.jsonl"), "text_raw"))
            .Concat(Tricky);
        foreach (var post in posts)
        {
            var ids = encoder.Encode(post);
            string expected = DynamicCot.Keyphrases.Text.UnicodeNfc.Normalize(post);
            Assert.Equal(expected, encoder.Decode(ids));
        }
        // Merges actually compress: fewer tokens than UTF-8 bytes.
        string sample = "this is everything ! so excited to see these two at kca tomorrow !";
        Assert.True(encoder.Encode(sample).Length < sample.Length / 2);
    }

    [Fact]
    public void MatchesSpecialTokensFirst()
    {
        var tokenizer = Trained.Value;
        var encoder = tokenizer.Encoder;
        var ids = encoder.Encode("<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>hi<|im_end|>\n");
        Assert.Equal(tokenizer.TokenId(QwenChatTemplate.ImStart), ids[0]);
        Assert.Contains(tokenizer.TokenId(QwenChatTemplate.ImagePad)!.Value, ids);
        Assert.Equal("user\nhi\n", encoder.Decode(ids, skipSpecialTokens: true));

        var plain = encoder.Encode("<|im_start|>", matchAddedTokens: false);
        Assert.True(plain.Length > 1);
        Assert.DoesNotContain(tokenizer.TokenId(QwenChatTemplate.ImStart)!.Value, plain);
    }

    [Fact]
    public void SavesAndLoadsTokenizerFiles()
    {
        using var folder = TestPaths.NewTempFolder();
        var tokenizer = Trained.Value;
        tokenizer.Save(folder.Path);
        var loaded = HfTokenizer.Load(folder.Path);
        Assert.Equal(tokenizer.Model.Merges, loaded.Model.Merges);
        Assert.Equal(tokenizer.Model.Vocab.OrderBy(p => p.Value), loaded.Model.Vocab.OrderBy(p => p.Value));
        Assert.Equal(tokenizer.Model.AddedTokens, loaded.Model.AddedTokens);
        Assert.Equal(QwenChatTemplate.Template, loaded.ChatTemplate);
        Assert.Equal(tokenizer.Model.SplitPattern, loaded.Model.SplitPattern);
        Assert.True(loaded.Model.NormalizesToNfc && loaded.Model.HasByteLevelPreTokenizer && loaded.Model.HasByteLevelDecoder);
        Assert.Equal(loaded.TokenId(QwenChatTemplate.ImEnd), loaded.EosTokenId);
        Assert.Equal(loaded.TokenId(QwenChatTemplate.EndOfText), loaded.PadTokenId);
        Assert.Null(loaded.BosTokenId);
        Assert.Equal(8, loaded.Config.AddedTokensDecoder.Count);

        // The newer [left, right] merge form reads back identically.
        tokenizer.Model.Save(folder.File("arrays.json"), mergesAsArrays: true);
        Assert.Contains("[\n", File.ReadAllText(folder.File("arrays.json")));
        Assert.Equal(tokenizer.Model.Merges, TokenizerJson.Load(folder.File("arrays.json")).Merges);

        string text = "Nepal earthquake 😢 https://t.co/x";
        Assert.Equal(tokenizer.Encoder.Encode(text), loaded.Encoder.Encode(text));
    }

    [Fact]
    public void ChatTemplateListFormAndSeparateTemplateFile()
    {
        var config = TokenizerConfig.Parse("""
            {"chat_template": [{"name": "default", "template": "A"}, {"name": "tool_use", "template": "B"}],
             "eos_token": {"content": "<|im_end|>", "__type": "AddedToken"},
             "added_tokens_decoder": {"5": {"content": "<x>", "special": true}}}
            """);
        Assert.Equal("A", config.ChatTemplate);
        Assert.Equal("B", config.NamedChatTemplates["tool_use"]);
        Assert.Equal("<|im_end|>", config.EosToken);
        Assert.True(config.AddedTokensDecoder[5].Special);

        using var folder = TestPaths.NewTempFolder();
        Trained.Value.Model.Save(folder.File(TokenizerJson.FileName));
        File.WriteAllText(folder.File(HfTokenizer.ChatTemplateJsonFileName), """{"chat_template": "T"}""");
        Assert.Equal("T", HfTokenizer.Load(folder.Path).ChatTemplate);
    }

    [Fact]
    public void MalformedTokenizerFilesNameTheKey()
    {
        var missingPart = Assert.Throws<HfFileFormatException>(() => TokenizerJson.Parse("""
            {"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b", "a c"]}}
            """));
        Assert.Equal("model.merges[1]", missingPart.Key);

        var badMerge = Assert.Throws<HfFileFormatException>(() => TokenizerJson.Parse("""
            {"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a"]}}
            """));
        Assert.Equal("model.merges[0]", badMerge.Key);

        var duplicateId = Assert.Throws<HfFileFormatException>(() => TokenizerJson.Parse("""
            {"model": {"type": "BPE", "vocab": {"a": 0, "b": 0}, "merges": []}}
            """));
        Assert.Equal("model.vocab.b", duplicateId.Key);

        var unigram = Assert.Throws<HfFileFormatException>(() => TokenizerJson.Parse("""{"model": {"type": "Unigram", "vocab": []}}"""));
        Assert.Equal("model.type", unigram.Key);
    }

    [Fact]
    public void MeasuresEncodingThroughputOnCmkpValid()
    {
        var texts = ByteLevelBpeTrainer.ReadJsonLines(TestPaths.Data("cmkp_dev", "valid.jsonl")).ToArray();
        var encoder = new ByteLevelBpeEncoder(Trained.Value.Model);
        encoder.Encode("warm 😀 up"); // JIT and building both regexes (the full one is built on the first astral character)
        long tokens = 0, chars = 0;
        var clock = Stopwatch.StartNew();
        foreach (var text in texts)
        {
            tokens += encoder.Encode(text).Length;
            chars += text.Length;
        }
        clock.Stop();
        output.WriteLine($"cold cache: {texts.Length} posts, {chars} chars, {tokens} tokens in {clock.Elapsed.TotalMilliseconds:F0} ms = {tokens / clock.Elapsed.TotalSeconds:F0} tokens/s");
        for (int round = 1; round <= 3; round++)
        {
            clock.Restart();
            foreach (var text in texts)
                encoder.Encode(text);
            clock.Stop();
            output.WriteLine($"warm cache, round {round}: {tokens / clock.Elapsed.TotalSeconds:F0} tokens/s");
        }
        var split = Stopwatch.StartNew();
        long pieces = 0;
        foreach (var text in texts)
            pieces += Qwen2PreTokenizer.SplitRanges(text).Count;
        output.WriteLine($"pre-tokenizer alone: {pieces} pieces in {split.Elapsed.TotalMilliseconds:F0} ms");
        Assert.True(tokens > 0);
    }
}
