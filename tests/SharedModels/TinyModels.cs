using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.ModelFiles.Qwen;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Tests.Shared;

/// <summary>Tiny checkpoints of both families, made once per test run through the real tiny → convert path.</summary>
public sealed class TinyModels : IDisposable
{
    private readonly TempFolder _folder = TestPaths.NewTempFolder("dynamiccot-tiny");
    private readonly Dictionary<QwenVlArchitecture, TinyModelFiles> _made = new();
    private readonly object _gate = new();

    public TinyModelFiles Get(QwenVlArchitecture arch, GgufOutputType type = GgufOutputType.F32)
    {
        lock (_gate)
        {
            if (!_made.TryGetValue(arch, out var files))
            {
                var name = arch switch { QwenVlArchitecture.Qwen2Vl => "qwen2vl", QwenVlArchitecture.Qwen3Vl => "qwen3vl", _ => "qwen25vl" };
                var checkpoint = Path.Combine(_folder.Path, name);
                TinyQwenVlFactory.Create(checkpoint, new TinyModelOptions { Architecture = arch, Seed = 7 }, TinyCorpus.Read(TinyCorpus.DefaultFiles()));
                files = new TinyModelFiles(checkpoint, _folder.Path, name);
                _made[arch] = files;
            }
            return files.Converted(type);
        }
    }

    public string Folder => _folder.Path;

    public void Dispose() => _folder.Dispose();
}

public sealed class TinyModelFiles(string checkpoint, string folder, string name)
{
    private readonly Dictionary<GgufOutputType, TinyModelFiles> _byType = new();

    public string Checkpoint { get; } = checkpoint;
    public string LanguageModel { get; private set; } = "";
    public string Projector { get; private set; } = "";

    public TinyModelFiles Converted(GgufOutputType type)
    {
        if (_byType.TryGetValue(type, out var done))
            return done;
        var files = new TinyModelFiles(Checkpoint, folder, name)
        {
            LanguageModel = Path.Combine(folder, $"{name}-{type}.gguf".ToLowerInvariant()),
            Projector = Path.Combine(folder, $"{name}-mmproj-{type}.gguf".ToLowerInvariant()),
        };
        QwenVlGgufConverter.Convert(Checkpoint, files.LanguageModel, files.Projector, new ConversionOptions { OutputType = type });
        _byType[type] = files;
        return files;
    }
}

[CollectionDefinition(Name)]
public sealed class TinyModelCollection : ICollectionFixture<TinyModels>
{
    public const string Name = "tiny models";
}
