using DynamicCot.Finetune.ModelOptions;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.ModelFiles.Qwen;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DynamicCot.Finetune.Torch;

/// <summary>How to load the vision tower.</summary>
public sealed record VisionModelOptions
{
    /// <summary>Norm epsilon; null: the checkpoint's <c>rms_norm_eps</c> (what the converter writes into the mmproj).</summary>
    public float? NormEpsilon { get; init; }
    public ScalarType DType { get; init; } = ScalarType.Float32;
    public Device? Device { get; init; }

    /// <summary>
    /// Round the pixels and each temporal kernel plane to F16 before the patch convolution, as mtmd's CPU graph does
    /// (its im2col works in F16). For parity checks against llama.cpp; training keeps the convolution in <see cref="DType"/>.
    /// </summary>
    public bool PatchConvolutionInF16 { get; init; }
}

/// <summary>
/// The Qwen2-VL / Qwen2.5-VL vision tower and patch merger in TorchSharp, loaded from the Hugging Face checkpoint:
/// it turns one preprocessed image into the language model's image embeddings, as mtmd's <c>qwen2vl_merger</c> /
/// <c>qwen2.5vl_merger</c> graph does with the converted mmproj. A single image is the Conv3D patch embedding over two
/// identical frames, which equals one 14×14 Conv2D with the two temporal kernel planes summed. Patches are ordered so
/// that every 2×2 merge group is contiguous (the order HF and the merger use); each patch rotates its Q/K by its row
/// in the first half of the rotary pairs and by its column in the second (2D vision RoPE, θ = 10000). Qwen2-VL blocks
/// are LayerNorm + QuickGELU MLP with full attention; Qwen2.5-VL blocks are RMSNorm + SwiGLU with attention inside
/// windows of <c>window_size</c> pixels except in the <c>fullatt_block_indexes</c> blocks. Windowed attention is a
/// block mask here rather than HF's reordering: attention inside a window does not depend on the order of its patches.
/// The merger normalises each patch, concatenates the four patches of a group and applies Linear–GELU–Linear.
/// Qwen3-VL (mtmd's <c>qwen3vl_merger</c>) adds a bias to the patch convolution and a learned position table
/// interpolated to the patch grid, uses LayerNorm blocks with a tanh-GELU MLP on 16-pixel patches, and appends to each
/// output row one DeepStack slice per chosen block (<see cref="Qwen3VisionTensors"/>).
/// </summary>
public sealed class QwenVisionModel : IDisposable
{
    public const double RopeTheta = 10000.0;
    private readonly Dictionary<string, Tensor> _parameters;

    private QwenVisionModel(QwenVlConfig config, Dictionary<string, Tensor> parameters, float epsilon, ScalarType dtype, Device device, bool patchConvolutionInF16)
    {
        PatchConvolutionInF16 = patchConvolutionInF16;
        Config = config;
        Vision = config.Vision;
        _parameters = parameters;
        NormEpsilon = epsilon;
        DType = dtype;
        Device = device;
    }

    public QwenVlConfig Config { get; }
    public QwenVlVisionConfig Vision { get; }
    public float NormEpsilon { get; }
    public ScalarType DType { get; }
    public Device Device { get; }
    /// <summary>See <see cref="VisionModelOptions.PatchConvolutionInF16"/>.</summary>
    public bool PatchConvolutionInF16 { get; }
    public bool IsQwen25 => Config.Architecture == QwenVlArchitecture.Qwen25Vl;
    public bool IsQwen3 => Config.Architecture == QwenVlArchitecture.Qwen3Vl;

    /// <summary>Width of one output row: the merger's, plus one slice per DeepStack merger (Qwen3-VL).</summary>
    public int OutputWidth => Vision.OutHiddenSize * (1 + Vision.DeepstackVisualIndexes.Count);

    /// <summary>Side of one language-model token in pixels (patch × merge, 28 for the published models).</summary>
    public int TokenPixels => Vision.PatchSize * Vision.SpatialMergeSize;

    /// <summary>LoRA adapters on the vision projections (null: none).</summary>
    public LoraLayers? Lora { get; set; }

    /// <summary>Gradient checkpointing of the vision blocks (null: off); see <see cref="QwenTextModel.Checkpoint"/>.</summary>
    public ActivationCheckpoint? Checkpoint { get; private set; }

    /// <summary>The number format of the blocks' and merger's linear layers and attention (the patch convolution stays in <see cref="DType"/>).</summary>
    public MatmulPrecision Precision { get; set; } = MatmulPrecision.Fp32;

    public void UseGradientCheckpointing(bool enabled)
    {
        Checkpoint?.Dispose();
        Checkpoint = enabled ? new ActivationCheckpoint() : null;
    }

    /// <summary>Every vision parameter by its canonical checkpoint name (<c>visual.…</c>).</summary>
    public IReadOnlyDictionary<string, Tensor> Parameters => _parameters;

    public long ParameterCount => _parameters.Values.Sum(p => p.numel());

    public static QwenVisionModel Load(string checkpointDirectory, VisionModelOptions? options = null)
    {
        options ??= new VisionModelOptions();
        var device = options.Device ?? CPU;
        var config = QwenVlConfig.Load(checkpointDirectory);
        using var checkpoint = SafetensorsCheckpoint.Open(checkpointDirectory);
        var sources = CheckTensors(checkpointDirectory, checkpoint, config);
        var parameters = CheckpointTensors.Load(checkpoint, sources, ExpectedTensors(config), options.DType, device);
        return new QwenVisionModel(config, parameters, options.NormEpsilon ?? (float)config.Text.RmsNormEps, options.DType, device, options.PatchConvolutionInF16);
    }

    /// <summary>
    /// Checks, without loading any weight, that <paramref name="checkpointDirectory"/> holds a vision tower this model
    /// can load: its config sizes fit, and every vision tensor is there with the shape config.json implies and a float
    /// dtype. The errors name the file and the tensor.
    /// </summary>
    public static void Validate(string checkpointDirectory)
    {
        var config = QwenVlConfig.Load(checkpointDirectory);
        using var checkpoint = SafetensorsCheckpoint.Open(checkpointDirectory);
        CheckTensors(checkpointDirectory, checkpoint, config);
    }

    /// <summary>Checks the config and every expected vision tensor; returns canonical → stored name.</summary>
    private static Dictionary<string, string> CheckTensors(string checkpointDirectory, SafetensorsCheckpoint checkpoint, QwenVlConfig config)
    {
        var vision = config.Vision;
        if (vision.EmbedDim % vision.NumHeads != 0 || vision.EmbedDim / vision.NumHeads % 4 != 0)
            throw new InvalidDataException($"{Path.Combine(checkpointDirectory, QwenVlConfig.FileName)}: vision embed_dim {vision.EmbedDim} with {vision.NumHeads} heads does not give a head size divisible by 4 (2D rotary).");
        if (vision.TemporalPatchSize != 2 || vision.InChannels != 3)
            throw new InvalidDataException($"{Path.Combine(checkpointDirectory, QwenVlConfig.FileName)}: temporal_patch_size {vision.TemporalPatchSize} / in_channels {vision.InChannels}; the tower handles 2 and 3.");
        return CheckpointTensors.Map(checkpointDirectory, checkpoint, ExpectedTensors(config), "vision tensor");
    }

    /// <summary>Every vision tensor (canonical name) and its shape, as config.json implies them.</summary>
    public static IEnumerable<(string Name, long[] Shape)> ExpectedTensors(QwenVlConfig config)
    {
        if (config.Architecture == QwenVlArchitecture.Qwen3Vl)
            return Qwen3VisionTensors.Expected(config);
        return Qwen2ExpectedTensors(config);
    }

    private static IEnumerable<(string Name, long[] Shape)> Qwen2ExpectedTensors(QwenVlConfig config)
    {
        var v = config.Vision;
        var qwen25 = config.Architecture == QwenVlArchitecture.Qwen25Vl;
        long e = v.EmbedDim, ff = v.IntermediateSize, merged = e * v.SpatialMergeSize * v.SpatialMergeSize, p = v.PatchSize;
        yield return ("visual.patch_embed.proj.weight", [e, v.InChannels, v.TemporalPatchSize, p, p]);
        for (var i = 0; i < v.Depth; i++)
        {
            var b = $"visual.blocks.{i}.";
            yield return (b + "norm1.weight", [e]);
            if (!qwen25) yield return (b + "norm1.bias", [e]);
            yield return (b + "norm2.weight", [e]);
            if (!qwen25) yield return (b + "norm2.bias", [e]);
            yield return (b + "attn.qkv.weight", [3 * e, e]);
            yield return (b + "attn.qkv.bias", [3 * e]);
            yield return (b + "attn.proj.weight", [e, e]);
            yield return (b + "attn.proj.bias", [e]);
            foreach (var (module, shape) in qwen25
                         ? new (string, long[])[] { ("mlp.gate_proj", [ff, e]), ("mlp.up_proj", [ff, e]), ("mlp.down_proj", [e, ff]) }
                         : [("mlp.fc1", [ff, e]), ("mlp.fc2", [e, ff])])
            {
                yield return (b + module + ".weight", shape);
                yield return (b + module + ".bias", [shape[0]]);
            }
        }
        yield return ("visual.merger.ln_q.weight", [e]);
        if (!qwen25) yield return ("visual.merger.ln_q.bias", [e]);
        yield return ("visual.merger.mlp.0.weight", [merged, merged]);
        yield return ("visual.merger.mlp.0.bias", [merged]);
        yield return ("visual.merger.mlp.2.weight", [v.OutHiddenSize, merged]);
        yield return ("visual.merger.mlp.2.bias", [v.OutHiddenSize]);
    }

    /// <summary>The vision weights (checkpoint names) of block <paramref name="block"/> that LoRA targets reach.</summary>
    public IEnumerable<string> ProjectionNames(int block, IEnumerable<string> targets)
    {
        var p = $"visual.blocks.{block}.";
        var modules = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var target in targets)
        {
            switch (target)
            {
                case "attn_q" or "attn_k" or "attn_v": modules.Add("attn.qkv"); break;
                case "attn_output": modules.Add("attn.proj"); break;
                case "ffn_up": modules.Add(IsQwen25 ? "mlp.up_proj" : IsQwen3 ? "mlp.linear_fc1" : "mlp.fc1"); break;
                case "ffn_down": modules.Add(IsQwen25 ? "mlp.down_proj" : IsQwen3 ? "mlp.linear_fc2" : "mlp.fc2"); break;
                case "ffn_gate": if (IsQwen25) modules.Add("mlp.gate_proj"); break;
                default: throw new ArgumentException($"Unknown projection '{target}'.");
            }
        }
        return modules.Select(m => p + m + ".weight");
    }

    /// <summary>
    /// The normalised pixel tensor <c>[3, H, W]</c> for RGB bytes (row-major, 3 per pixel): <c>(x/255 − mean)/std</c>
    /// per channel. The size must already be a multiple of <see cref="TokenPixels"/> (the resize is the caller's).
    /// </summary>
    public Tensor Pixels(ReadOnlySpan<byte> rgb, int width, int height, PreprocessorConfig preprocessor, string label)
    {
        if (width <= 0 || height <= 0 || width % TokenPixels != 0 || height % TokenPixels != 0)
            throw new ArgumentException($"{label}: {width}×{height} pixels; the vision tower needs both sides a positive multiple of {TokenPixels}.");
        if (rgb.Length != (long)width * height * 3)
            throw new ArgumentException($"{label}: {rgb.Length} bytes for {width}×{height} RGB pixels.");
        var values = new float[rgb.Length];
        var plane = width * height;
        for (var i = 0; i < plane; i++)
            for (var c = 0; c < 3; c++)
                values[c * plane + i] = (float)((rgb[i * 3 + c] / 255.0 - preprocessor.ImageMean[c]) / preprocessor.ImageStd[c]);
        return tensor(values, [3, height, width]).to(DType, Device);
    }

    /// <summary>Image embeddings <c>[tokens, out_hidden]</c>, tokens in row-major order over the merged grid (as mtmd emits them).</summary>
    public Tensor Embed(Tensor pixels)
    {
        if (pixels.dim() != 3 || pixels.shape[0] != 3 || pixels.shape[1] % TokenPixels != 0 || pixels.shape[2] % TokenPixels != 0)
            throw new ArgumentException($"Pixels of shape [{string.Join(", ", pixels.shape)}]: [3, H, W] with H and W multiples of {TokenPixels} expected.");
        using var scope = NewDisposeScope();
        int merge = Vision.SpatialMergeSize, patch = Vision.PatchSize;
        long gridH = pixels.shape[1] / patch, gridW = pixels.shape[2] / patch, e = Vision.EmbedDim;
        long hd = e / Vision.NumHeads, n = gridH * gridW;

        var x = PatchEmbedding(pixels.to(DType).unsqueeze(0), patch);
        if (IsQwen3)
            x = x + Qwen3VisionTensors.PositionEmbeddings(_parameters, Vision, gridH, gridW);
        // [1, e, gh, gw] → merge-group order (group row, group column, row in group, column in group).
        x = x.reshape(e, gridH / merge, merge, gridW / merge, merge).permute(1, 3, 2, 4, 0).reshape(n, e);

        var (rows, columns) = PatchCoordinates(gridH, gridW, merge);
        var (cos, sin) = Rotary(rows, columns, hd);
        var windowMask = IsQwen25 ? WindowMask(rows, columns) : null;

        var deepstack = new List<Tensor>();
        for (var block = 0; block < Vision.Depth; block++)
        {
            var index = block;
            Tensor[] context = windowMask is not null && !Vision.FullAttentionBlockIndexes.Contains(block) ? [cos, sin, windowMask] : [cos, sin];
            x = Checkpoint is { } checkpoint
                ? checkpoint.Run((input, c) => Block(index, input, c), x, context, BlockTrainable(block))
                : Block(block, x, context);
            // DeepStack (Qwen3-VL): the chosen blocks' outputs go through their own merger, which normalises after the 2 × 2 shuffle.
            var slot = IsQwen3 ? IndexOf(Vision.DeepstackVisualIndexes, block) : -1;
            if (slot >= 0)
            {
                var prefix = $"visual.deepstack_merger_list.{slot}";
                var grouped = Norm(x.reshape(n / (merge * merge), e * merge * merge), prefix + ".norm");
                deepstack.Add(Linear(Gelu(Linear(grouped, prefix + ".linear_fc1")), prefix + ".linear_fc2"));
            }
        }

        var (norm, fc1, fc2) = IsQwen3 ? ("visual.merger.norm", "visual.merger.linear_fc1", "visual.merger.linear_fc2") : ("visual.merger.ln_q", "visual.merger.mlp.0", "visual.merger.mlp.2");
        var merged = Norm(x, norm).reshape(n / (merge * merge), e * merge * merge);
        merged = Linear(Gelu(Linear(merged, fc1)), fc2);
        // mtmd concatenates [merger | DeepStack 0 | DeepStack 1 | …] along the features (tools/mtmd/models/qwen3vl.cpp).
        if (deepstack.Count > 0)
            merged = cat([merged, .. deepstack], dim: 1);
        return merged.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Vision block <paramref name="block"/> on <paramref name="x"/> <c>[N, e]</c>; <paramref name="context"/> is cos,
    /// sin and, for a windowed block, the window mask.
    /// </summary>
    private Tensor Block(int block, Tensor x, IReadOnlyList<Tensor> context)
    {
        long n = x.shape[0], e = Vision.EmbedDim, heads = Vision.NumHeads, hd = e / heads;
        Tensor cos = context[0], sin = context[1];
        var mask = context.Count > 2 ? context[2] : null;
        var p = $"visual.blocks.{block}.";
        var h = Norm(x, p + "norm1");
        var qkv = Linear(h, p + "attn.qkv").reshape(n, 3, heads, hd).permute(1, 2, 0, 3);
        var q = qkv[0];
        var k = qkv[1];
        var v = qkv[2];
        q = q * cos + RotateHalf(q) * sin;
        k = k * cos + RotateHalf(k) * sin;
        var attention = Matmul.Attention(q.unsqueeze(0), k.unsqueeze(0), v.unsqueeze(0), mask, causal: false, Precision);
        attention = attention.squeeze(0).transpose(0, 1).reshape(n, e);
        x = x + Linear(attention, p + "attn.proj");

        h = Norm(x, p + "norm2");
        if (IsQwen3)
            return x + Linear(Gelu(Linear(h, p + "mlp.linear_fc1")), p + "mlp.linear_fc2");
        return x + (IsQwen25
            ? Linear(F.silu(Linear(h, p + "mlp.gate_proj")) * Linear(h, p + "mlp.up_proj"), p + "mlp.down_proj")
            : Linear(QuickGelu(Linear(h, p + "mlp.fc1")), p + "mlp.fc2"));
    }

    /// <summary>The tensors of block <paramref name="block"/> that train: its LoRA matrices, or its weights (full fine-tuning).</summary>
    private List<Tensor> BlockTrainable(int block)
    {
        var prefix = $"visual.blocks.{block}.";
        var trainable = _parameters.Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal) && e.Value.requires_grad)
            .OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Value).ToList();
        if (Lora is { } lora)
            foreach (var weightName in ProjectionNames(block, LoraOptions.KnownTargets))
                if (lora.TryGet(weightName, out var pair))
                {
                    if (pair.A.requires_grad) trainable.Add(pair.A);
                    if (pair.B.requires_grad) trainable.Add(pair.B);
                }
        return trainable;
    }

    /// <summary>The Conv3D over two identical frames: one Conv2D with the temporal kernel planes summed, or, as mtmd computes it, one per plane in F16.</summary>
    private Tensor PatchEmbedding(Tensor pixels, int patch)
    {
        var weight = _parameters["visual.patch_embed.proj.weight"];
        // Qwen3-VL's patch convolution has a bias (mtmd adds v.patch_embd.bias after the two planes).
        var bias = _parameters.GetValueOrDefault("visual.patch_embed.proj.bias");
        if (!PatchConvolutionInF16)
            return F.conv2d(pixels, weight.sum(2), bias, strides: [patch, patch]);
        Tensor Half(Tensor t) => t.to(ScalarType.Float16).to(DType);
        var input = Half(pixels);
        var output = F.conv2d(input, Half(weight.select(2, 0)), strides: [patch, patch]) + F.conv2d(input, Half(weight.select(2, 1)), strides: [patch, patch]);
        return bias is null ? output : output + bias.reshape(1, -1, 1, 1);
    }

    /// <summary>Row and column of every patch, in merge-group order.</summary>
    private static (long[] Rows, long[] Columns) PatchCoordinates(long gridH, long gridW, int merge)
    {
        var rows = new long[gridH * gridW];
        var columns = new long[gridH * gridW];
        var i = 0;
        for (var gr = 0L; gr < gridH / merge; gr++)
            for (var gc = 0L; gc < gridW / merge; gc++)
                for (var r = 0; r < merge; r++)
                    for (var c = 0; c < merge; c++, i++)
                    {
                        rows[i] = gr * merge + r;
                        columns[i] = gc * merge + c;
                    }
        return (rows, columns);
    }

    /// <summary>cos and sin <c>[1, N, head_dim]</c>: the first quarter of frequencies turns with the row, the second with the column.</summary>
    private (Tensor Cos, Tensor Sin) Rotary(long[] rows, long[] columns, long headDim)
    {
        var quarter = headDim / 4;
        var n = rows.Length;
        var angles = new double[n * quarter * 2];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < quarter; j++)
            {
                var frequency = Math.Pow(RopeTheta, -2.0 * j / (headDim / 2));
                angles[i * quarter * 2 + j] = rows[i] * frequency;
                angles[i * quarter * 2 + quarter + j] = columns[i] * frequency;
            }
        var half = tensor(angles, [n, quarter * 2]);
        var full = cat([half, half], dim: -1).unsqueeze(0);
        return (full.cos().to(DType, Device), full.sin().to(DType, Device));
    }

    /// <summary>Additive mask letting each patch attend only inside its window (Qwen2.5-VL's windows start at the top-left).</summary>
    private Tensor WindowMask(long[] rows, long[] columns)
    {
        var window = (Vision.WindowSize ?? 112) / Vision.PatchSize; // in patches
        var n = rows.Length;
        var mask = new float[n * n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
                if (rows[i] / window != rows[j] / window || columns[i] / window != columns[j] / window)
                    mask[i * n + j] = float.NegativeInfinity;
        return tensor(mask, [n, n]).to(DType, Device);
    }

    private static Tensor RotateHalf(Tensor x)
    {
        var half = x.shape[^1] / 2;
        return cat([-x.narrow(-1, half, half), x.narrow(-1, 0, half)], dim: -1);
    }

    private static int IndexOf(IReadOnlyList<int> list, int value)
    {
        for (var i = 0; i < list.Count; i++)
            if (list[i] == value)
                return i;
        return -1;
    }

    /// <summary>QuickGELU <c>x·σ(1.702x)</c> (Qwen2-VL's blocks).</summary>
    private static Tensor QuickGelu(Tensor x) => x * (x * 1.702).sigmoid();

    /// <summary>
    /// The merger's GELU in the tanh form that mtmd evaluates (HF's <c>nn.GELU()</c> is the erf form; the two differ
    /// by up to ~1e-3 here, so the served function is the one trained). Qwen3-VL's block MLPs use this form in HF too
    /// (<c>gelu_pytorch_tanh</c>).
    /// </summary>
    private static Tensor Gelu(Tensor x) => 0.5 * x * (1 + (Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x.pow(3))).tanh());

    /// <summary>LayerNorm (Qwen2-VL, weight and bias) or RMSNorm (Qwen2.5-VL, weight only).</summary>
    private Tensor Norm(Tensor x, string module)
    {
        var weight = _parameters[module + ".weight"];
        if (IsQwen25)
            return x * (x.pow(2).mean([-1L], keepdim: true) + NormEpsilon).rsqrt() * weight;
        return F.layer_norm(x, [x.shape[^1]], weight, _parameters[module + ".bias"], NormEpsilon);
    }

    private Tensor Linear(Tensor x, string module)
    {
        var weightName = module + ".weight";
        var y = Matmul.Linear(x, _parameters[weightName], _parameters[module + ".bias"], Precision);
        if (Lora is { } lora && lora.TryGet(weightName, out var pair))
            y = y + Matmul.Linear(Matmul.Linear(x, pair.A, null, Precision), pair.B, null, Precision) * lora.Options.Scale;
        return y;
    }

    public void Dispose()
    {
        Checkpoint?.Dispose();
        foreach (var p in _parameters.Values) p.Dispose();
    }
}
