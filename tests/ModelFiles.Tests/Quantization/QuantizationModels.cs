using DynamicCot.ModelFiles.Quantization;

namespace DynamicCot.ModelFiles.Tests.Quantization;

/// <summary>A tiny Qwen2.5-VL (hidden 256, so K-quant blocks of 256 fit the rows) converted to F32, quantized once per type.</summary>
public sealed class QuantizationModels : IDisposable
{
    private readonly DynamicCot.Tests.Shared.TempFolder _folder = DynamicCot.Tests.Shared.TestPaths.NewTempFolder("dynamiccot-quant");
    private readonly Dictionary<QuantizationPreset, QuantizationResult> _results = [];
    private readonly Lock _gate = new();

    public QuantizationModels()
    {
        var checkpoint = Path.Combine(_folder.Path, "hf");
        DynamicCot.ModelFiles.Qwen.TinyQwenVlFactory.Create(checkpoint, new DynamicCot.ModelFiles.Qwen.TinyModelOptions
        {
            Architecture = DynamicCot.ModelFiles.HuggingFace.QwenVlArchitecture.Qwen25Vl,
            HiddenSize = 256, IntermediateSize = 512, Heads = 4, KvHeads = 2, Layers = 2, Seed = 3,
        }, DynamicCot.ModelFiles.Qwen.TinyCorpus.Read(DynamicCot.ModelFiles.Qwen.TinyCorpus.DefaultFiles()));
        F32 = Path.Combine(_folder.Path, "lm-f32.gguf");
        ProjectorF32 = Path.Combine(_folder.Path, "mmproj-f32.gguf");
        DynamicCot.ModelFiles.Qwen.QwenVlGgufConverter.Convert(checkpoint, F32, ProjectorF32,
            new DynamicCot.ModelFiles.Qwen.ConversionOptions { OutputType = DynamicCot.ModelFiles.Qwen.GgufOutputType.F32 });
    }

    public string Folder => _folder.Path;

    public string F32 { get; }

    public string ProjectorF32 { get; }

    public string Quantized(QuantizationPreset preset) => Result(preset).OutputPath;

    public QuantizationResult Result(QuantizationPreset preset)
    {
        lock (_gate)
        {
            if (!_results.TryGetValue(preset, out var result))
            {
                result = GgufQuantizer.Quantize(F32, Path.Combine(_folder.Path, $"lm-{preset.Name}.gguf"), preset, threads: 2);
                _results[preset] = result;
            }
            return result;
        }
    }

    public void Dispose() => _folder.Dispose();
}
