using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using DynamicCot.LlamaCpp.Engine;
using DynamicCot.LlamaCpp.Native;

namespace DynamicCot.LlamaCpp.Tests.Native;

/// <summary>
/// The mirrored structs against the real binary: what the library writes (defaults, by-value returns, tensors it
/// creates) must land in the fields the C# side reads.
/// </summary>
public sealed unsafe class BinaryLayoutTests
{
    public BinaryLayoutTests() => LlamaBackend.Initialize();

    [Fact]
    public void Default_param_functions_write_exactly_the_mirrored_sizes()
    {
        var library = LlamaLibrary.EnsureLoaded();
        var facts = LlamaLibraryValidator.Measure(library.Path, library.Handle);
        Assert.Equal("22dc605", facts.Commit);
        Assert.Equal((nuint)384, facts.TensorOverhead);
        AssertWrittenFits(facts.ModelParamsBytes, Unsafe.SizeOf<LlamaModelParams>());
        AssertWrittenFits(facts.ContextParamsBytes, Unsafe.SizeOf<LlamaContextParams>());
        AssertWrittenFits(facts.MtmdContextParamsBytes, Unsafe.SizeOf<MtmdContextParams>());
    }

    private static void AssertWrittenFits(int written, int structSize)
    {
        Assert.InRange(written, structSize - 7, structSize);
    }

    [Fact]
    public void Model_params_defaults_read_through_the_mirror()
    {
        var p = NativeApi.llama_model_default_params();
        Assert.Equal(0, p.Devices);
        Assert.Equal(-1, p.NGpuLayers);
        Assert.Equal(LlamaSplitMode.Layer, p.SplitMode);
        Assert.Equal(LlamaLoadMode.Mmap, p.LoadMode);
        Assert.Equal(0, p.MainGpu);
        Assert.True(p.TensorSplit == null);
        Assert.Equal(0, p.KvOverrides);
        Assert.Equal([0, 0, 1, 0, 0, 0], new[] { p.VocabOnly, p.CheckTensors, p.UseExtraBufts, p.NoHost, p.NoAlloc, p.LoadMtp });
    }

    [Fact]
    public void Context_params_defaults_read_through_the_mirror()
    {
        var p = NativeApi.llama_context_default_params();
        Assert.Equal(512u, p.NCtx);
        Assert.Equal(2048u, p.NBatch);
        Assert.Equal(512u, p.NUbatch);
        Assert.Equal(1u, p.NSeqMax);
        Assert.Equal(0u, p.NRsSeq);
        Assert.Equal(4, p.NThreads);
        Assert.Equal(4, p.NThreadsBatch);
        Assert.Equal(LlamaContextType.Default, p.ContextType);
        Assert.Equal(LlamaRopeScalingType.Unspecified, p.RopeScalingType);
        Assert.Equal(LlamaPoolingType.Unspecified, p.PoolingType);
        Assert.Equal(LlamaAttentionType.Unspecified, p.AttentionType);
        Assert.Equal(LlamaFlashAttnType.Auto, p.FlashAttnType);
        Assert.Equal(0f, p.RopeFreqBase);
        Assert.Equal(-1f, p.YarnExtFactor);
        Assert.Equal(-1f, p.YarnBetaSlow);
        Assert.Equal(-1f, p.DefragThreshold);
        Assert.Equal(GgmlType.F16, p.TypeK);
        Assert.Equal(GgmlType.F16, p.TypeV);
        Assert.Equal([0, 1, 1, 1, 1, 0], new[] { p.Embeddings, p.OffloadKqv, p.NoPerf, p.OpOffload, p.SwaFull, p.KvUnified });
        Assert.Equal(0, p.Samplers);
        Assert.Equal(0u, p.NSamplers);
        Assert.Equal(0, p.ContextOther);
    }

    [Fact]
    public void Mtmd_params_defaults_read_through_the_mirror()
    {
        var p = NativeApi.mtmd_context_params_default();
        Assert.Equal(1, p.UseGpu);
        Assert.Equal(1, p.PrintTimings);
        Assert.Equal(4, p.NThreads);
        Assert.True(p.ImageMarker == null);
        Assert.Equal("<__media__>", NativeApi.PtrToString(p.MediaMarker));
        Assert.Equal(NativeApi.PtrToString(NativeApi.mtmd_default_marker()), NativeApi.PtrToString(p.MediaMarker));
        Assert.Equal(LlamaFlashAttnType.Auto, p.FlashAttnType);
        Assert.Equal(1, p.Warmup);
        Assert.Equal(-1, p.ImageMinTokens);
        Assert.Equal(-1, p.ImageMaxTokens);
        Assert.Equal(1024, p.BatchMaxTokens);
        Assert.Equal(0, p.ProgressCallbackUserData);
    }

    [Fact]
    public void Sampler_chain_params_default()
    {
        Assert.Equal(1, NativeApi.llama_sampler_chain_default_params().NoPerf);
    }

    [Fact]
    public void Batch_init_fills_the_pointer_fields_it_allocates()
    {
        var tokens = NativeApi.llama_batch_init(8, 0, 2);
        try
        {
            Assert.Equal(0, tokens.NTokens);
            Assert.True(tokens.Token != null);
            Assert.True(tokens.Embd == null);
            Assert.True(tokens.Pos != null && tokens.NSeqId != null && tokens.SeqId != null && tokens.Logits != null);
            // seq_id is an array of n_tokens pointers to n_seq_max ids, null-terminated.
            for (var i = 0; i < 8; i++) Assert.True(tokens.SeqId[i] != null);
            Assert.True(tokens.SeqId[8] == null);
        }
        finally
        {
            NativeApi.llama_batch_free(tokens);
        }

        var embeddings = NativeApi.llama_batch_init(4, 16, 1);
        try
        {
            Assert.True(embeddings.Token == null);
            Assert.True(embeddings.Embd != null);
        }
        finally
        {
            NativeApi.llama_batch_free(embeddings);
        }
    }

    [Fact]
    public void Tensor_header_reads_what_ggml_wrote()
    {
        using var context = NativeApi.ggml_init(new GgmlInitParams { MemSize = 1 << 20, NoAlloc = 0 });
        Assert.False(context.IsInvalid);
        var ctx = context.DangerousGetHandle();
        var tensor = NativeApi.ggml_new_tensor_3d(ctx, GgmlType.F32, 5, 3, 2);
        const string name = "a-name-longer-than-sixty-four-bytes-proves-GGML_MAX_NAME-is-eighty-0123456";
        NativeApi.ggml_set_name(tensor, name);
        NativeApi.ggml_set_param(tensor);
        var header = (GgmlTensorHeader*)tensor;
        Assert.Equal(GgmlType.F32, header->Type);
        Assert.Equal(5, header->Ne[0]);
        Assert.Equal(3, header->Ne[1]);
        Assert.Equal(2, header->Ne[2]);
        Assert.Equal(1, header->Ne[3]);
        Assert.Equal(4ul, header->Nb[0]);
        Assert.Equal(20ul, header->Nb[1]);
        Assert.Equal(60ul, header->Nb[2]);
        Assert.Equal(GgmlTensorFlags.Param, (GgmlTensorFlags)header->Flags);
        Assert.NotEqual(0, header->Data);
        Assert.Equal(name, Marshal.PtrToStringUTF8((nint)header->Name));
        Assert.Equal(name, NativeApi.PtrToString(NativeApi.ggml_get_name(tensor)));
        Assert.Equal(30, NativeApi.ggml_nelements(tensor));
    }

    [Fact]
    public void Token_data_array_round_trips_through_a_sampler()
    {
        using var greedy = new SafeLlamaSamplerHandle(NativeApi.llama_sampler_init_greedy());
        var data = stackalloc LlamaTokenData[4];
        float[] logits = [0.1f, 2.5f, -1f, 0.7f];
        for (var i = 0; i < 4; i++) data[i] = new LlamaTokenData { Id = new LlamaToken(100 + i), Logit = logits[i] };
        var array = new LlamaTokenDataArray { Data = data, Size = 4, Selected = -1, Sorted = 0 };
        NativeApi.llama_sampler_apply(greedy, &array);
        Assert.Equal(1, array.Selected);
        Assert.Equal(101, array.Data[array.Selected].Id.Value);
    }

    [Fact]
    public void Chat_messages_format_with_a_builtin_template()
    {
        var template = "chatml\0"u8;
        var role = "user\0"u8;
        var content = "Hello\0"u8;
        var buffer = new byte[256];
        fixed (byte* t = template, r = role, c = content, b = buffer)
        {
            var message = new LlamaChatMessage { Role = r, Content = c };
            var length = NativeApi.llama_chat_apply_template(t, &message, 1, true, b, buffer.Length);
            Assert.True(length > 0);
            Assert.Equal("<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n", Encoding.UTF8.GetString(buffer, 0, length));
        }
    }

    [Fact]
    public void Device_props_match_the_device_getters()
    {
        Assert.True(NativeApi.ggml_backend_dev_count() >= 1);
        var device = NativeApi.ggml_backend_dev_get(0);
        GgmlBackendDevProps props;
        NativeApi.ggml_backend_dev_get_props(device, &props);
        nuint free = 0, total = 0;
        NativeApi.ggml_backend_dev_memory(device, &free, &total);
        Assert.Equal(NativeApi.PtrToString(NativeApi.ggml_backend_dev_name(device)), NativeApi.PtrToString(props.Name));
        Assert.Equal(NativeApi.PtrToString(NativeApi.ggml_backend_dev_description(device)), NativeApi.PtrToString(props.Description));
        Assert.Equal(NativeApi.ggml_backend_dev_type(device), props.Type);
        Assert.Equal(total, props.MemoryTotal);
    }

    [Fact]
    public void Opt_params_returned_by_value_land_in_the_mirror()
    {
        using var backend = NativeApi.ggml_backend_cpu_init();
        var handle = backend.DangerousGetHandle();
        using var scheduler = NativeApi.ggml_backend_sched_new(&handle, null, 1, 2048, false, true);
        var p = NativeApi.ggml_opt_default_params(scheduler, GgmlOptLossType.CrossEntropy);
        Assert.Equal(scheduler.DangerousGetHandle(), p.BackendSched);
        Assert.Equal(0, p.ContextCompute);
        Assert.Equal(GgmlOptLossType.CrossEntropy, p.LossType);
        Assert.Equal(GgmlOptBuildType.Opt, p.BuildType);
        Assert.Equal(1, p.OptPeriod);
        Assert.True(p.GetOptParams != null);
        Assert.Equal(GgmlOptOptimizerType.AdamW, p.Optimizer);

        var optimizer = NativeApi.ggml_opt_get_default_optimizer_params(0);
        Assert.Equal(0.001f, optimizer.AdamWAlpha);
        Assert.Equal(0.9f, optimizer.AdamWBeta1);
        Assert.Equal(0.999f, optimizer.AdamWBeta2);
        Assert.Equal(1e-8f, optimizer.AdamWEps);
        Assert.Equal(0f, optimizer.AdamWWeightDecay);
        Assert.Equal(0.001f, optimizer.SgdAlpha);
    }

    [Fact]
    public void Opt_default_params_write_exactly_72_bytes()
    {
        var library = LlamaLibrary.EnsureLoaded();
        var function = (delegate* unmanaged<byte*, nint, int, byte*>)NativeLibrary.GetExport(library.Handle, "ggml_opt_default_params");
        var a = stackalloc byte[256];
        var b = stackalloc byte[256];
        new Span<byte>(a, 256).Fill(0xCD);
        new Span<byte>(b, 256).Fill(0);
        function(a, 0, (int)GgmlOptLossType.Sum);
        function(b, 0, (int)GgmlOptLossType.Sum);
        var written = 0;
        for (var i = 255; i >= 0; i--)
            if (a[i] != 0xCD || b[i] != 0) { written = i + 1; break; }
        AssertWrittenFits(written, Unsafe.SizeOf<GgmlOptParams>());
    }

    [Fact]
    public void Gguf_init_params_pass_through_registers()
    {
        using var folder = DynamicCot.Tests.Shared.TestPaths.NewTempFolder();
        var path = folder.File("kv.gguf");
        using (var writer = NativeApi.gguf_init_empty())
        {
            NativeApi.gguf_set_val_u32(writer, "test.answer", 42);
            NativeApi.gguf_set_val_str(writer, "general.name", "layout");
            Assert.True(NativeApi.gguf_write_to_file(writer, path, false));
        }
        using var reader = NativeApi.gguf_init_from_file(path, new GgufInitParams { NoAlloc = 1, Context = 0 });
        Assert.False(reader.IsInvalid);
        Assert.Equal(3u, NativeApi.gguf_get_version(reader));
        var key = NativeApi.gguf_find_key(reader, "test.answer");
        Assert.True(key >= 0);
        Assert.Equal(GgufType.UInt32, NativeApi.gguf_get_kv_type(reader, key));
        Assert.Equal(42u, NativeApi.gguf_get_val_u32(reader, key));
        Assert.Equal("layout", NativeApi.PtrToString(NativeApi.gguf_get_val_str(reader, NativeApi.gguf_find_key(reader, "general.name"))));
    }
}
