using DynamicCot.Gguf;
using DynamicCot.ModelFiles.Quantization;
using DynamicCot.Tests.Shared;

namespace DynamicCot.ModelFiles.Tests.Quantization;

/// <summary>
/// Bad input gets a typed error naming the file before llama.cpp runs, llama.cpp's own failures come back with its
/// reason, and nothing half-written is left at the output.
/// </summary>
public sealed class QuantizationInputTests(QuantizationModels models) : IClassFixture<QuantizationModels>
{
    private string Scratch(string name) => Path.Combine(models.Folder, $"{Guid.NewGuid():N}-{name}");

    [Fact]
    public void Missing_text_and_truncated_inputs_are_refused_naming_the_file()
    {
        var missing = Scratch("missing.gguf");
        var text = Scratch("notes.gguf");
        File.WriteAllText(text, "not a model\n");
        var truncated = Scratch("truncated.gguf");
        var bytes = File.ReadAllBytes(models.F32);
        File.WriteAllBytes(truncated, bytes.AsSpan(0, bytes.Length / 2).ToArray());

        foreach (var input in new[] { missing, text, truncated })
        {
            var output = Scratch("out.gguf");
            var error = Assert.Throws<QuantizationInputException>(() => GgufQuantizer.Quantize(input, output, QuantizationPreset.Q8_0));
            Assert.Equal(input, error.FilePath);
            Assert.Contains(input, error.Message);
            Assert.False(File.Exists(output));
        }
    }

    [Fact]
    public void The_projector_is_refused_for_llama_cpp_s_types()
    {
        var error = Assert.Throws<QuantizationInputException>(() =>
            GgufQuantizer.Quantize(models.ProjectorF32, Scratch("mmproj-q4.gguf"), QuantizationPreset.Q4_K_M));
        Assert.Contains(models.ProjectorF32, error.Message);
        Assert.Contains("projector", error.Message);
        // And a language model is not rewritten by the projector-only type.
        Assert.Throws<QuantizationInputException>(() => GgufQuantizer.Quantize(models.F32, Scratch("lm.gguf"), QuantizationPreset.F32));
    }

    [Fact]
    public void Already_quantized_input_is_refused()
    {
        var q8 = models.Quantized(QuantizationPreset.Q8_0);
        var error = Assert.Throws<QuantizationInputException>(() => GgufQuantizer.Quantize(q8, Scratch("q4.gguf"), QuantizationPreset.Q4_K_M));
        Assert.Contains("already q8_0", error.Message);
    }

    [Fact]
    public void Output_that_is_the_input_or_in_no_writable_folder_is_refused()
    {
        var copy = Scratch("copy.gguf");
        File.Copy(models.F32, copy);
        var before = File.ReadAllBytes(copy);
        Assert.Throws<QuantizationInputException>(() => GgufQuantizer.Quantize(copy, copy, QuantizationPreset.Q8_0));
        var link = Scratch("link.gguf");
        File.CreateSymbolicLink(link, copy);
        Assert.Throws<QuantizationInputException>(() => GgufQuantizer.Quantize(copy, link, QuantizationPreset.Q8_0));
        Assert.Equal(before, File.ReadAllBytes(copy));

        var noFolder = Path.Combine(Scratch("absent"), "out.gguf");
        Assert.Contains("does not exist", Assert.Throws<QuantizationInputException>(() => GgufQuantizer.Quantize(models.F32, noFolder, QuantizationPreset.Q8_0)).Message);
        var fileAsFolder = Path.Combine(copy, "out.gguf");
        Assert.Contains("is a file", Assert.Throws<QuantizationInputException>(() => GgufQuantizer.Quantize(models.F32, fileAsFolder, QuantizationPreset.Q8_0)).Message);
    }

    [Fact]
    public void Rows_that_q8_0_blocks_cannot_divide_are_named_before_llama_cpp_runs()
    {
        var checkpoint = Scratch("hf");
        DynamicCot.ModelFiles.Qwen.TinyQwenVlFactory.Create(checkpoint, new DynamicCot.ModelFiles.Qwen.TinyModelOptions { IntermediateSize = 344, Seed = 5 },
            DynamicCot.ModelFiles.Qwen.TinyCorpus.Read(DynamicCot.ModelFiles.Qwen.TinyCorpus.DefaultFiles()));
        var lm = Scratch("lm-344.gguf");
        DynamicCot.ModelFiles.Qwen.QwenVlGgufConverter.Convert(checkpoint, lm, Scratch("mmproj.gguf"),
            new DynamicCot.ModelFiles.Qwen.ConversionOptions { OutputType = DynamicCot.ModelFiles.Qwen.GgufOutputType.F32 });

        var error = Assert.Throws<QuantizationInputException>(() => GgufQuantizer.Quantize(lm, Scratch("q8.gguf"), QuantizationPreset.Q8_0));
        Assert.Contains("blk.0.ffn_down.weight", error.Message);
        Assert.Contains("344", error.Message);
        // llama.cpp's K-quant mixes fall back for such rows by themselves.
        var q4 = GgufQuantizer.Quantize(lm, Scratch("q4_k_m.gguf"), QuantizationPreset.Q4_K_M, threads: 2);
        Assert.NotEqual(GgmlType.Q4_K, q4.TensorTypes["blk.0.ffn_down.weight"]);
    }

    [Fact]
    public void A_model_llama_cpp_rejects_fails_with_llama_cpp_s_reason_and_leaves_no_file()
    {
        // Valid GGUF and a language model by every check made here, but without a key llama.cpp requires.
        var incomplete = Scratch("no-context-length.gguf");
        using (var source = GgufFile.Open(models.F32))
        {
            var writer = new GgufWriter();
            foreach (var entry in source.Metadata.Where(e => !e.Key.EndsWith(".context_length", StringComparison.Ordinal)))
                writer.Add(entry.Key, entry.Value);
            foreach (var tensor in source.Tensors)
                writer.AddTensor(tensor.Name, tensor.Type, tensor.Dimensions, source.GetTensorData(tensor).ToArray());
            writer.WriteTo(incomplete);
        }
        var output = Scratch("out.gguf");
        File.WriteAllText(output, "an earlier good output");
        var error = Assert.Throws<QuantizationFailedException>(() => GgufQuantizer.Quantize(incomplete, output, QuantizationPreset.Q8_0));
        Assert.Contains(incomplete, error.Message);
        Assert.Contains("context_length", error.Message);
        Assert.NotEmpty(error.NativeLog);
        Assert.Equal("an earlier good output", File.ReadAllText(output));
        Assert.Empty(Directory.GetFiles(models.Folder, "*.partial"));
    }
}
