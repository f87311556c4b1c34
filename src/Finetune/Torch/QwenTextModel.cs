using DynamicCot.Finetune.Model;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.ModelFiles.Qwen;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DynamicCot.Finetune.Torch;

/// <summary>How to load the language model.</summary>
public sealed record TextModelOptions
{
    /// <summary>RMSNorm epsilon; null: the checkpoint's <c>rms_norm_eps</c>.</summary>
    public float? RmsEpsilon { get; init; }
    /// <summary>The compute type: activations, norms, biases, LoRA adapters and (unless <see cref="WeightDType"/> says otherwise) the weights.</summary>
    public ScalarType DType { get; init; } = ScalarType.Float32;
    /// <summary>
    /// Storage type of the weight matrices (embedding, projections, output) when they differ from <see cref="DType"/>:
    /// a frozen base held in BF16 takes half the memory of F32; each matrix product upcasts its weight to the compute
    /// type (or multiplies in BF16 with <see cref="MatmulPrecision.Bf16"/>). Null: <see cref="DType"/>.
    /// </summary>
    public ScalarType? WeightDType { get; init; }
    public Device? Device { get; init; }
}

/// <summary>
/// The Qwen2-VL / Qwen2.5-VL / Qwen3-VL language model in TorchSharp, loaded from a Hugging Face checkpoint (sharded or single
/// safetensors, F32/F16/BF16, read by the project's own reader — it already handles shards, the index, the dtype
/// conversions and the newer transformers name prefixes with errors that name the file, so TorchSharp.PyBridge's
/// loader would add nothing here). It computes what llama.cpp's <c>qwen2vl</c> graph computes: token embeddings with
/// the projector's image embeddings spliced in, RMSNorm, Q/K/V with biases, M-RoPE (NEOX rotation; pair j turns at
/// θ^(−2j/d) with the position of its section: time, height, width), grouped-query causal attention, SwiGLU, final
/// norm and the tied or untied output matrix. For Qwen3-VL (llama.cpp's <c>qwen3vl</c> graph) the projections have no
/// bias, each query and key head is RMS-normalised before an interleaved M-RoPE, and DeepStack features (the extra
/// slices of each image row) are added to the image rows after the first decoder layers. Optional LoRA adapters add <c>(α/r)·B·A·x</c> to the chosen projections.
/// Parameters are named as in the checkpoint (after canonicalisation), so merged weights go back under the same names.
/// Training can recompute the layers in backward (<see cref="UseGradientCheckpointing"/>) and run the matrix products
/// in BF16 (<see cref="Precision"/>).
/// </summary>
public sealed class QwenTextModel : IDisposable
{
    private readonly Dictionary<string, Tensor> _parameters;
    private readonly Tensor _inverseFrequencies;
    private readonly Tensor _sectionOfPair;

    private QwenTextModel(QwenVlConfig config, Dictionary<string, Tensor> parameters, float rmsEpsilon, ScalarType dtype, Device device)
    {
        Config = config;
        Text = config.Text;
        _parameters = parameters;
        RmsEpsilon = rmsEpsilon;
        DType = dtype;
        Device = device;
        var half = Text.HeadDim / 2;
        var frequencies = new double[half];
        var sections = new long[half];
        var bounds = Text.MropeSection.ToArray();
        for (var j = 0; j < half; j++)
        {
            frequencies[j] = Math.Pow(Text.RopeTheta, -2.0 * j / Text.HeadDim);
            sections[j] = Text.MropeInterleaved ? InterleavedSection(j, bounds) : ContiguousSection(j, bounds);
        }
        _inverseFrequencies = tensor(frequencies).to(device);
        _sectionOfPair = tensor(sections).to(device);
    }

    public QwenVlConfig Config { get; }
    public QwenVlTextConfig Text { get; }

    /// <summary>Qwen3-VL: how many decoder layers receive DeepStack features (0 for Qwen2-VL / Qwen2.5-VL).</summary>
    public int DeepstackLayers => Config.Vision.DeepstackVisualIndexes.Count;

    /// <summary>Width of an image embedding row: the hidden size, plus one hidden-size slice per DeepStack layer (llama.cpp's n_embd_inp).</summary>
    public int InputEmbeddingSize => InputEmbeddingSizeOf(Config);

    /// <summary><see cref="InputEmbeddingSize"/> from the configuration alone, before any weight is loaded.</summary>
    public static int InputEmbeddingSizeOf(QwenVlConfig config) => config.Text.HiddenSize * (1 + config.Vision.DeepstackVisualIndexes.Count);
    public float RmsEpsilon { get; }
    /// <summary>The compute type (activations, norms, LoRA adapters); the weight matrices may be stored narrower (<see cref="TextModelOptions.WeightDType"/>).</summary>
    public ScalarType DType { get; }
    public Device Device { get; }
    public bool Tied => !_parameters.ContainsKey(OutputName);

    /// <summary>LoRA adapters applied in the forward pass (null: none).</summary>
    public LoraLayers? Lora { get; set; }

    /// <summary>
    /// Gradient checkpointing of the decoder layers (null: off): in grad mode each layer keeps only its input and is
    /// recomputed during backward. Set it with <see cref="UseGradientCheckpointing"/>.
    /// </summary>
    public ActivationCheckpoint? Checkpoint { get; private set; }

    /// <summary>The number format of the linear layers and attention (weights stay in <see cref="DType"/>).</summary>
    public MatmulPrecision Precision { get; set; } = MatmulPrecision.Fp32;

    public void UseGradientCheckpointing(bool enabled)
    {
        Checkpoint?.Dispose();
        Checkpoint = enabled ? new ActivationCheckpoint() : null;
    }

    public const string EmbeddingName = "model.embed_tokens.weight";
    public const string OutputName = "lm_head.weight";
    public const string NormName = "model.norm.weight";

    /// <summary>Every language-model parameter by its (canonical) checkpoint name.</summary>
    public IReadOnlyDictionary<string, Tensor> Parameters => _parameters;

    public long ParameterCount => _parameters.Values.Sum(p => p.numel());

    public static QwenTextModel Load(string checkpointDirectory, TextModelOptions? options = null)
    {
        options ??= new TextModelOptions();
        var device = options.Device ?? CPU;
        var config = QwenVlConfig.Load(checkpointDirectory);
        var text = config.Text;
        CheckConfig(checkpointDirectory, text);

        using var checkpoint = SafetensorsCheckpoint.Open(checkpointDirectory);
        var sources = CheckTensors(checkpointDirectory, checkpoint, text);
        var parameters = CheckpointTensors.Load(checkpoint, sources, ExpectedTensors(text), options.DType, device, options.WeightDType);
        return new QwenTextModel(config, parameters, options.RmsEpsilon ?? (float)text.RmsNormEps, options.DType, device);
    }

    /// <summary>
    /// Checks, without loading any weight, that <paramref name="checkpointDirectory"/> is a Qwen2-VL / Qwen2.5-VL /
    /// Qwen3-VL checkpoint this model can load: config.json parses and its sizes divide, and every language-model tensor is
    /// there with the shape the config implies and a float dtype. The errors name the file and the tensor.
    /// </summary>
    public static void Validate(string checkpointDirectory)
    {
        var config = QwenVlConfig.Load(checkpointDirectory);
        CheckConfig(checkpointDirectory, config.Text);
        using var checkpoint = SafetensorsCheckpoint.Open(checkpointDirectory);
        CheckTensors(checkpointDirectory, checkpoint, config.Text);
    }

    private static void CheckConfig(string checkpointDirectory, QwenVlTextConfig text)
    {
        if ((text.ExplicitHeadDim is null && text.HiddenSize % text.NumAttentionHeads != 0) || text.NumAttentionHeads % text.NumKeyValueHeads != 0)
            throw new InvalidDataException($"{Path.Combine(checkpointDirectory, QwenVlConfig.FileName)}: hidden size {text.HiddenSize}, {text.NumAttentionHeads} heads and {text.NumKeyValueHeads} KV heads do not divide.");
        if (text.MropeSection.Count < 3 || text.MropeSection.Sum() * 2 != text.HeadDim)
            throw new InvalidDataException($"{Path.Combine(checkpointDirectory, QwenVlConfig.FileName)}: mrope_section [{string.Join(", ", text.MropeSection)}] does not cover head size {text.HeadDim}.");
    }

    /// <summary>Every language-model tensor (canonical name) and its shape, as config.json implies them.</summary>
    public static IEnumerable<(string Name, long[] Shape)> ExpectedTensors(QwenVlTextConfig text)
    {
        long d = text.HiddenSize, q = (long)text.NumAttentionHeads * text.HeadDim, kv = (long)text.NumKeyValueHeads * text.HeadDim;
        long ff = text.IntermediateSize, v = text.VocabSize;
        yield return (EmbeddingName, [v, d]);
        for (var i = 0; i < text.NumHiddenLayers; i++)
        {
            var p = $"model.layers.{i}.";
            yield return (p + "input_layernorm.weight", [d]);
            yield return (p + "self_attn.q_proj.weight", [q, d]);
            if (text.AttentionBias) yield return (p + "self_attn.q_proj.bias", [q]);
            yield return (p + "self_attn.k_proj.weight", [kv, d]);
            if (text.AttentionBias) yield return (p + "self_attn.k_proj.bias", [kv]);
            yield return (p + "self_attn.v_proj.weight", [kv, d]);
            if (text.AttentionBias) yield return (p + "self_attn.v_proj.bias", [kv]);
            yield return (p + "self_attn.o_proj.weight", [d, q]);
            if (text.QkNorm)
            {
                yield return (p + "self_attn.q_norm.weight", [text.HeadDim]);
                yield return (p + "self_attn.k_norm.weight", [text.HeadDim]);
            }
            yield return (p + "post_attention_layernorm.weight", [d]);
            yield return (p + "mlp.gate_proj.weight", [ff, d]);
            yield return (p + "mlp.up_proj.weight", [ff, d]);
            yield return (p + "mlp.down_proj.weight", [d, ff]);
        }
        yield return (NormName, [d]);
        if (!text.TieWordEmbeddings)
            yield return (OutputName, [v, d]);
    }

    /// <summary>Checks presence, shape and dtype of every expected tensor; returns canonical → stored name.</summary>
    private static Dictionary<string, string> CheckTensors(string checkpointDirectory, SafetensorsCheckpoint checkpoint, QwenVlTextConfig text) =>
        CheckpointTensors.Map(checkpointDirectory, checkpoint, ExpectedTensors(text), "tensor");

    /// <summary>The checkpoint name of a LoRA target projection (<c>attn_q</c> …) in layer <paramref name="layer"/>.</summary>
    public static string ProjectionName(int layer, string target) => $"model.layers.{layer}." + target switch
    {
        "attn_q" => "self_attn.q_proj",
        "attn_k" => "self_attn.k_proj",
        "attn_v" => "self_attn.v_proj",
        "attn_output" => "self_attn.o_proj",
        "ffn_gate" => "mlp.gate_proj",
        "ffn_up" => "mlp.up_proj",
        "ffn_down" => "mlp.down_proj",
        _ => throw new ArgumentException($"Unknown projection '{target}'."),
    } + ".weight";

    /// <summary>
    /// Logits <c>[rows, vocab]</c> for the batch's output rows. <paramref name="imageEmbeddings"/> replaces the batch's
    /// (cached) image rows, e.g. with the vision tower's output when the tower is trained and gradients must reach it.
    /// </summary>
    public Tensor Logits(TorchBatch batch, Tensor? imageEmbeddings = null)
    {
        using var scope = NewDisposeScope();
        var hidden = Hidden(batch, imageEmbeddings);
        var rows = hidden.reshape(-1, Text.HiddenSize).index_select(0, batch.OutputIndices);
        var output = Tied ? _parameters[EmbeddingName] : _parameters[OutputName];
        return Matmul.Linear(rows, output, null, Precision).MoveToOuterDisposeScope();
    }

    /// <summary>Final-norm hidden states <c>[B, T, D]</c>.</summary>
    public Tensor Hidden(TorchBatch batch, Tensor? imageEmbeddings = null)
    {
        using var scope = NewDisposeScope();
        long b = batch.Count, t = batch.Length, d = Text.HiddenSize;
        var x = _parameters[EmbeddingName].index_select(0, batch.Tokens.reshape(-1)).reshape(b, t, d).to(DType);
        Tensor? deepstack = null;
        if (batch.ImageRows is { } imageRows)
        {
            var images = imageEmbeddings ?? batch.ImageEmbeddings!;
            if (images.shape[0] != imageRows.shape[0] || images.shape[^1] != InputEmbeddingSize)
                throw new ArgumentException($"{imageRows.shape[0]} image rows of width {InputEmbeddingSize} in the batch but image embeddings of shape [{string.Join(", ", images.shape)}].");
            images = images.to(DType);
            x = x.reshape(b * t, d).index_copy(0, imageRows, images.narrow(1, 0, d)).reshape(b, t, d);
            // DeepStack (Qwen3-VL): slice k + 1 of each image row is added to that row after decoder layer k, as llama.cpp's
            // qwen3vl graph adds it (src/models/qwen3vl.cpp) and transformers' Qwen3VLTextModel._deepstack_process does.
            if (DeepstackLayers > 0)
                deepstack = zeros([b * t, InputEmbeddingSize - d], DType, Device).index_copy(0, imageRows, images.narrow(1, d, InputEmbeddingSize - d));
        }
        var (cos, sin) = Rotary(batch.Positions);

        for (var layer = 0; layer < Text.NumHiddenLayers; layer++)
        {
            var index = layer;
            x = Checkpoint is { } checkpoint
                ? checkpoint.Run((input, context) => Layer(index, input, context[0], context[1]), x, [cos, sin], LayerTrainable(layer))
                : Layer(layer, x, cos, sin);
            if (deepstack is not null && layer < DeepstackLayers)
                x = x + deepstack.narrow(1, layer * d, d).reshape(b, t, d);
        }
        return Norm(x, _parameters[NormName]).MoveToOuterDisposeScope();
    }

    /// <summary>Decoder layer <paramref name="layer"/>: attention and SwiGLU blocks, each with its residual; <paramref name="x"/> is <c>[B, T, D]</c>.</summary>
    private Tensor Layer(int layer, Tensor x, Tensor cos, Tensor sin)
    {
        long b = x.shape[0], t = x.shape[1], hd = Text.HeadDim;
        long heads = Text.NumAttentionHeads, kvHeads = Text.NumKeyValueHeads;
        var p = $"model.layers.{layer}.";
        var h = Norm(x, _parameters[p + "input_layernorm.weight"]);
        var bias = Text.AttentionBias;
        var q = Linear(h, p + "self_attn.q_proj", bias).reshape(b, t, heads, hd).transpose(1, 2);
        var k = Linear(h, p + "self_attn.k_proj", bias).reshape(b, t, kvHeads, hd).transpose(1, 2);
        var v = Linear(h, p + "self_attn.v_proj", bias).reshape(b, t, kvHeads, hd).transpose(1, 2);
        if (Text.QkNorm)
        {
            // Qwen3: RMSNorm over each head's features, before the rotation.
            q = Norm(q, _parameters[p + "self_attn.q_norm.weight"]);
            k = Norm(k, _parameters[p + "self_attn.k_norm.weight"]);
        }
        q = q * cos + RotateHalf(q) * sin;
        k = k * cos + RotateHalf(k) * sin;
        if (heads != kvHeads)
        {
            k = k.repeat_interleave(heads / kvHeads, dim: 1);
            v = v.repeat_interleave(heads / kvHeads, dim: 1);
        }
        var attention = Matmul.Attention(q, k, v, null, causal: true, Precision);
        attention = attention.transpose(1, 2).reshape(b, t, heads * hd);
        x = x + Linear(attention, p + "self_attn.o_proj", bias: false);

        h = Norm(x, _parameters[p + "post_attention_layernorm.weight"]);
        var gate = Linear(h, p + "mlp.gate_proj", bias: false);
        var up = Linear(h, p + "mlp.up_proj", bias: false);
        return x + Linear(F.silu(gate) * up, p + "mlp.down_proj", bias: false);
    }

    /// <summary>The tensors of layer <paramref name="layer"/> that train: its LoRA matrices, or its weights (full fine-tuning).</summary>
    private List<Tensor> LayerTrainable(int layer)
    {
        var prefix = $"model.layers.{layer}.";
        var trainable = _parameters.Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal) && e.Value.requires_grad)
            .OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Value).ToList();
        if (Lora is { } lora)
            foreach (var target in LoraOptions.KnownTargets)
                if (lora.TryGet(ProjectionName(layer, target), out var pair))
                {
                    if (pair.A.requires_grad) trainable.Add(pair.A);
                    if (pair.B.requires_grad) trainable.Add(pair.B);
                }
        return trainable;
    }

    /// <summary>cos and sin <c>[B, 1, T, head_dim]</c>: pair j uses the position of its M-RoPE section.</summary>
    private (Tensor Cos, Tensor Sin) Rotary(Tensor positions)
    {
        // [4, B, T] → [B, T, half]: each frequency pair picks the time, height, width or extra position.
        var chosen = positions.index_select(0, _sectionOfPair).permute(1, 2, 0).to(ScalarType.Float64);
        var angles = chosen * _inverseFrequencies;
        var full = cat([angles, angles], dim: -1).unsqueeze(1);
        return (full.cos().to(DType), full.sin().to(DType));
    }

    /// <summary>Qwen2-VL's M-RoPE: the rotary pairs split into contiguous time, height and width runs.</summary>
    private static long ContiguousSection(int pair, int[] bounds) =>
        pair < bounds[0] ? 0 : pair < bounds[0] + bounds[1] ? 1 : pair < bounds[0] + bounds[1] + bounds[2] ? 2 : 3;

    /// <summary>
    /// Qwen3-VL's interleaved M-RoPE (transformers' <c>apply_interleaved_mrope</c>; ggml's IMROPE in rope_multi): pair j
    /// turns with the height position when j ≡ 1 (mod 3) and j &lt; 3·h, with the width position when j ≡ 2 (mod 3) and
    /// j &lt; 3·w, and with the time position otherwise.
    /// </summary>
    private static long InterleavedSection(int pair, int[] bounds) =>
        pair % 3 == 1 && pair < 3 * bounds[1] ? 1 : pair % 3 == 2 && pair < 3 * bounds[2] ? 2 : 0;

    private static Tensor RotateHalf(Tensor x)
    {
        var half = x.shape[^1] / 2;
        return cat([-x.narrow(-1, half, half), x.narrow(-1, 0, half)], dim: -1);
    }

    private Tensor Norm(Tensor x, Tensor weight)
    {
        var variance = x.pow(2).mean([-1L], keepdim: true);
        return x * (variance + RmsEpsilon).rsqrt() * weight;
    }

    private Tensor Linear(Tensor x, string module, bool bias)
    {
        var weightName = module + ".weight";
        var y = Matmul.Linear(x, _parameters[weightName], bias ? _parameters[module + ".bias"] : null, Precision);
        if (Lora is { } lora && lora.TryGet(weightName, out var pair))
            y = y + Matmul.Linear(Matmul.Linear(x, pair.A, null, Precision), pair.B, null, Precision) * lora.Options.Scale;
        return y;
    }

    public void Dispose()
    {
        Lora?.Dispose();
        Checkpoint?.Dispose();
        foreach (var p in _parameters.Values) p.Dispose();
        _inverseFrequencies.Dispose();
        _sectionOfPair.Dispose();
    }
}
