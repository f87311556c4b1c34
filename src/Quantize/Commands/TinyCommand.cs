using System.CommandLine;
using DynamicCot.Cli;
using DynamicCot.ModelFiles.Qwen;

namespace DynamicCot.Quantize.Commands;

/// <summary><c>tiny --arch qwen2vl|qwen2.5vl|qwen3vl --out DIR [--seed N]</c>: a random-weight checkpoint of the real architecture.</summary>
public static class TinyCommand
{
    public static Command Create()
    {
        var arch = new Option<string>("--arch") { Description = "qwen2vl, qwen2.5vl or qwen3vl.", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder to write the Hugging Face checkpoint into.", Required = true };
        var seed = new Option<ulong>("--seed") { Description = "Random seed (same seed, same bytes).", DefaultValueFactory = _ => 42 };
        var hidden = new Option<int>("--hidden") { Description = "Text hidden size (64–256).", DefaultValueFactory = _ => 128 };
        var layers = new Option<int>("--layers") { Description = "Text layers.", DefaultValueFactory = _ => 2 };
        var vocab = new Option<int>("--vocab") { Description = "Learned BPE vocabulary size before special tokens.", DefaultValueFactory = _ => 1024 };
        var corpus = new Option<FileInfo[]>("--corpus")
        {
            Description = "Text (.txt) or JSONL files (a \"text\"/\"text_raw\"/\"title\" field per line) to learn the tokenizer's merges from (default: the posts in ../shared/data).",
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("tiny", "Write a tiny, seeded random-weight Qwen2-VL / Qwen2.5-VL / Qwen3-VL checkpoint with a real byte-level BPE tokenizer.")
        {
            arch, output, seed, hidden, layers, vocab, corpus,
        };
        command.SetAction(parse =>
        {
            var architecture = QwenVlProjector.Parse(parse.GetValue(arch)!);
            var options = new TinyModelOptions
            {
                Architecture = architecture,
                Seed = parse.GetValue(seed),
                HiddenSize = parse.GetValue(hidden),
                Layers = parse.GetValue(layers),
                TokenizerVocabSize = parse.GetValue(vocab),
            };
            if (options.HiddenSize is < 64 or > 1024)
                throw new CliInputException($"--hidden {options.HiddenSize} is out of range (64–1024).");
            var files = parse.GetValue(corpus) is { Length: > 0 } given ? given.Select(f => f.FullName).ToArray() : TinyCorpus.DefaultFiles();
            var result = TinyQwenVlFactory.Create(parse.GetValue(output)!.FullName, options, TinyCorpus.Read(files));
            Console.WriteLine($"wrote {result.Directory}: {result.ParameterCount:N0} parameters, vocabulary {result.VocabularySize}");
            return CliApplication.ExitOk;
        });
        return command;
    }
}
