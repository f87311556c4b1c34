using DynamicCot.Inference;
using DynamicCot.Llama;
using DynamicCot.Inference.Llama;
using DynamicCot.Llama.Native;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Inference.Tests.Generation;

/// <summary>The LLamaSharp-backed engine layer on tiny real-architecture models: M-RoPE image positions, load errors, one ggml.</summary>
[Collection(TinyModelCollection.Name)]
public sealed class NativeEngineTests(TinyModels models)
{
    [Fact]
    public void The_process_holds_one_copy_of_ggml_and_the_trainer_bindings_use_it()
    {
        var runtime = LlamaBackend.Initialize();
        foreach (var name in new[] { "libggml-base.so", "libggml-cpu.so", "libggml.so", "libllama.so", "libmtmd.so" })
        {
            var copies = LlamaRuntime.MappedLibraries().Where(p => Path.GetFileName(p) == name).ToArray();
            Assert.Equal([Path.Combine(runtime.Directory, name)], copies);
        }
        // The raw binding resolves to the same ggml that LLamaSharp loaded: its layout facts come back through it.
        Assert.Equal(LlamaBuildExpectations.TensorOverhead, NativeApi.ggml_tensor_overhead());
        Assert.Equal(OpenMpEnvironment.NativeGetenv("OMP_WAIT_POLICY"), runtime.OpenMpWaitPolicy);
    }

    [Fact]
    public void Image_positions_are_M_RoPE_as_llama_cpp_lays_them_out()
    {
        var files = models.Get(QwenVlArchitecture.Qwen2Vl);
        using var model = LlamaModel.Load(files.LanguageModel);
        using var mtmd = MtmdContext.Load(files.Projector, model, new MtmdOptions { Threads = 2, ImageMaxTokens = 64 });
        Assert.True(mtmd.UsesMRope);
        Assert.Equal(4, model.PositionsPerToken);
        var (width, height) = (100, 60);
        var rgb = new byte[width * height * 3];
        for (var i = 0; i < rgb.Length; i++) rgb[i] = (byte)(i * 31 % 251);
        using var bitmap = MtmdBitmap.FromRgb(width, height, rgb);
        using var chunks = mtmd.Tokenize($"<|im_start|>user\nHi {mtmd.Marker} what?<|im_end|>\n", [bitmap]);
        Assert.Equal([MtmdInputChunkType.Text, MtmdInputChunkType.Image, MtmdInputChunkType.Text], chunks.Chunks.Select(c => c.Type));
        var image = chunks.Chunks[1];
        var (nx, ny) = image.ImageGrid;
        Assert.Equal(nx * ny, image.TokenCount);
        Assert.Equal(Math.Max(nx, ny), image.PositionCount);
        var start = chunks.Chunks[0].TokenCount;
        for (var i = 0; i < image.TokenCount; i++)
        {
            var p = image.DecoderPosition(start, i);
            Assert.Equal(((uint)start, (uint)(start + i / nx), (uint)(start + i % nx), 0u), (p.T, p.Y, p.X, p.Z));
        }
        using var context = LlamaContext.Create(model, new LlamaContextOptions { ContextSize = 512, Threads = 2 });
        var next = mtmd.EvaluateChunks(context, chunks, 0, new LlamaSeqId(0), 64, logitsForLast: true);
        Assert.Equal(chunks.Chunks.Sum(c => c.PositionCount), next);
        Assert.Equal(chunks.PositionCount, next);
        Assert.Equal(model.Vocab.Count, context.GetLogits(-1).Length);
    }

    [Fact]
    public void Mtmds_own_log_reaches_the_applications_logging_instead_of_stderr()
    {
        var files = models.Get(QwenVlArchitecture.Qwen2Vl);
        using var model = LlamaModel.Load(files.LanguageModel);
        using var capture = NativeLog.Capture();
        using (MtmdContext.Load(files.Projector, model, new MtmdOptions { Threads = 2, ImageMaxTokens = 64 }))
        {
        }
        // clip's loader warns that Qwen-VL grounding wants ≥ 1024 image tokens; mtmd's default logger would print it.
        Assert.Contains(capture.LastProblems(20), line => line.Contains("image tokens", StringComparison.Ordinal));
    }

    [Fact]
    public void A_truncated_model_fails_with_llama_cpps_own_reason()
    {
        var files = models.Get(QwenVlArchitecture.Qwen2Vl);
        using var folder = TestPaths.NewTempFolder();
        var truncated = folder.File("truncated.gguf");
        var bytes = File.ReadAllBytes(files.LanguageModel);
        File.WriteAllBytes(truncated, bytes.AsSpan(0, bytes.Length * 2 / 3).ToArray());
        var e = Assert.Throws<LlamaNativeException>(() => LlamaModel.Load(truncated));
        Assert.Contains(truncated, e.Message);
        Assert.Contains("llama.cpp said:", e.Message);
    }

    [Fact]
    public void A_model_passed_as_projector_is_refused_before_native_code()
    {
        var files = models.Get(QwenVlArchitecture.Qwen2Vl);
        using var model = LlamaModel.Load(files.LanguageModel);
        var e = Assert.Throws<ProjectorMismatchException>(() => MtmdContext.Load(files.LanguageModel, model));
        Assert.Contains("not a multimodal projector", e.Message);
        Assert.Contains(files.LanguageModel, e.Message);
    }

    [Fact]
    public void A_projector_passed_as_model_fails_with_llama_cpps_reason()
    {
        var files = models.Get(QwenVlArchitecture.Qwen2Vl);
        var e = Assert.Throws<LlamaNativeException>(() => LlamaModel.Load(files.Projector));
        Assert.Contains(files.Projector, e.Message);
        Assert.Contains("clip", e.Message);
    }

    [Fact]
    public void A_grammar_that_does_not_parse_is_a_typed_error()
    {
        var files = models.Get(QwenVlArchitecture.Qwen2Vl);
        using var model = LlamaModel.Load(files.LanguageModel);
        using var chain = new SamplerChain();
        var e = Assert.Throws<LlamaNativeException>(() => chain.Grammar(model.Vocab, "root ::= (\"a\""));
        Assert.Contains("grammar", e.Message);
        chain.Greedy();
        Assert.Equal(1, chain.Count);
    }
}
