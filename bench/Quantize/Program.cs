using System.Diagnostics;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.ModelFiles.Qwen;
using DynamicCot.ModelFiles.Quantization;

// Conversion and quantization throughput on a larger random checkpoint of the real architecture.
// Usage: dotnet run -c Release --project bench/Quantize [-- HIDDEN LAYERS]
var hidden = args.Length > 0 ? int.Parse(args[0]) : 1024;
var layers = args.Length > 1 ? int.Parse(args[1]) : 8;
var folder = Path.Combine(Path.GetTempPath(), "dynamiccot-bench-quantize");
if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
Directory.CreateDirectory(folder);
try
{
    var checkpoint = Path.Combine(folder, "hf");
    var watch = Stopwatch.StartNew();
    var tiny = TinyQwenVlFactory.Create(checkpoint, new TinyModelOptions
    {
        Architecture = QwenVlArchitecture.Qwen2Vl, HiddenSize = hidden, Layers = layers, Heads = hidden / 64, KvHeads = Math.Max(1, hidden / 256),
        IntermediateSize = hidden * 11 / 4 / 256 * 256, VisionEmbedSize = 256, VisionDepth = 4, VisionHeads = 4,
    }, TinyCorpus.Read(TinyCorpus.DefaultFiles()));
    Console.WriteLine($"checkpoint: {tiny.ParameterCount / 1e6:F1} M parameters, {new FileInfo(Path.Combine(checkpoint, "model.safetensors")).Length / 1048576.0:F0} MiB F32 (made in {watch.Elapsed.TotalSeconds:F1} s)");

    foreach (var type in new[] { GgufOutputType.F32, GgufOutputType.F16 })
    {
        var lm = Path.Combine(folder, $"lm-{type}.gguf");
        watch.Restart();
        var result = QwenVlGgufConverter.Convert(checkpoint, lm, Path.Combine(folder, $"mm-{type}.gguf"), new ConversionOptions { OutputType = type });
        var seconds = watch.Elapsed.TotalSeconds;
        Console.WriteLine($"convert → {type}: {seconds:F2} s, {result.BytesRead / 1048576.0 / seconds:F0} MiB/s of F32 input");
    }

    var f32 = Path.Combine(folder, "lm-F32.gguf");
    var inputMiB = new FileInfo(f32).Length / 1048576.0;
    // llama.cpp's own quantizer (llama_model_quantize, LLamaSharp's native build); the output's tensor types are its choice.
    foreach (var preset in QuantizationPreset.ForTarget(QuantizationTarget.LanguageModel))
    {
        foreach (var threads in new[] { 1, Environment.ProcessorCount })
        {
            var output = Path.Combine(folder, $"lm-{preset.Name}.gguf");
            watch.Restart();
            var result = GgufQuantizer.Quantize(f32, output, preset, threads);
            var seconds = watch.Elapsed.TotalSeconds;
            var types = string.Join(", ", result.TensorTypes.GroupBy(t => t.Value).OrderBy(g => g.Key)
                .Select(g => $"{DynamicCot.Gguf.GgmlTypeTraits.NameOf(g.Key)} {g.Count()}"));
            Console.WriteLine($"quantize {preset.Name,-7} threads {threads}: {seconds:F2} s, {inputMiB / seconds:F0} MiB/s of F32 input, output {result.OutputBytes / 1048576.0:F1} MiB ({types})");
        }
    }
    var projector = Path.Combine(folder, "mm-F32.gguf");
    watch.Restart();
    var projected = GgufQuantizer.Quantize(projector, Path.Combine(folder, "mm-f16.gguf"), QuantizationPreset.F16);
    Console.WriteLine($"mmproj f16 (managed): {watch.Elapsed.TotalSeconds:F2} s, {projected.InputBytes / 1048576.0:F1} → {projected.OutputBytes / 1048576.0:F1} MiB");
}
finally
{
    Directory.Delete(folder, recursive: true);
}
