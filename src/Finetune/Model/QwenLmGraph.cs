using DynamicCot.LlamaCpp.Native;

namespace DynamicCot.Finetune.Model;

/// <summary>The input tensors of one forward graph; fill them after the graph is allocated.</summary>
public sealed record QwenLmGraphInputs(nint Tokens, nint ImageEmbeddings, nint TextMask, nint Positions, nint AttentionMask, nint? SupervisedRows);

/// <summary>
/// Builds the <c>qwen2vl</c> language model as a ggml graph, op for op as llama.cpp 22dc605 runs it (no KV cache, no
/// flash attention, so every op has a backward pass): token embeddings with image embeddings spliced in, RMSNorm,
/// Q/K/V with biases (+LoRA), M-RoPE on Q and K, grouped-query attention with an additive mask, output projection,
/// SwiGLU feed-forward, final norm and the (tied or untied) output matrix.
/// </summary>
public static unsafe class QwenLmGraph
{
    /// <summary>Node budget of a graph for a model with <paramref name="layers"/> layers (with room for the backward pass).</summary>
    public static int GraphSize(int layers) => 4096 + layers * 256;

    public static QwenLmGraphInputs CreateInputs(nint ctx, int length, int embeddingSize, int supervisedRows)
    {
        nint Input(nint tensor, string name)
        {
            NativeApi.ggml_set_name(tensor, name);
            NativeApi.ggml_set_input(tensor);
            return tensor;
        }
        return new QwenLmGraphInputs(
            Input(NativeApi.ggml_new_tensor_1d(ctx, GgmlType.I32, length), "inp_tokens"),
            Input(NativeApi.ggml_new_tensor_2d(ctx, GgmlType.F32, embeddingSize, length), "inp_image_embd"),
            Input(NativeApi.ggml_new_tensor_2d(ctx, GgmlType.F32, 1, length), "inp_text_mask"),
            Input(NativeApi.ggml_new_tensor_1d(ctx, GgmlType.I32, 4L * length), "inp_pos"),
            Input(NativeApi.ggml_new_tensor_2d(ctx, GgmlType.F32, length, length), "inp_kq_mask"),
            supervisedRows > 0 ? Input(NativeApi.ggml_new_tensor_1d(ctx, GgmlType.I32, supervisedRows), "inp_out_rows") : null);
    }

    public static void SetInputs(QwenLmGraphInputs inputs, PackedBatch batch)
    {
        GgmlTensorStore.Write(inputs.Tokens, batch.Tokens);
        GgmlTensorStore.Write(inputs.ImageEmbeddings, batch.ImageEmbeddings);
        GgmlTensorStore.Write(inputs.TextMask, batch.TextMask);
        GgmlTensorStore.Write(inputs.Positions, batch.Positions);
        GgmlTensorStore.Write(inputs.AttentionMask, batch.AttentionMask);
        if (inputs.SupervisedRows is { } rows)
            GgmlTensorStore.Write(rows, batch.SupervisedRows);
    }

    /// <summary>Builds the forward pass; returns logits <c>[n_vocab, rows]</c> for the supervised rows (or every row).</summary>
    public static nint Build(nint ctx, QwenLmWeights weights, LoraParameters? lora, QwenLmGraphInputs inputs, float rmsEps)
    {
        var hp = weights.HyperParameters;
        var headSize = hp.HeadSize;
        var sections = stackalloc int[4];
        for (var i = 0; i < 4; i++) sections[i] = hp.RopeSections[i];
        var scale = 1.0f / MathF.Sqrt(headSize);
        var length = GgmlTensorStore.ShapeOf(inputs.Tokens)[0];

        // Token rows from the embedding table, image rows from the projector: x = embd(tokens) ⊙ text_mask + image_embd.
        var x = NativeApi.ggml_get_rows(ctx, weights["token_embd.weight"], inputs.Tokens);
        x = NativeApi.ggml_add(ctx, NativeApi.ggml_mul(ctx, x, inputs.TextMask), inputs.ImageEmbeddings);

        for (var layer = 0; layer < hp.LayerCount; layer++)
        {
            string W(string name) => $"blk.{layer}.{name}.weight";
            var residual = x;
            var cur = Norm(ctx, x, weights[W("attn_norm")], rmsEps);

            var q = Linear(ctx, weights, lora, W("attn_q"), cur, $"blk.{layer}.attn_q.bias");
            var k = Linear(ctx, weights, lora, W("attn_k"), cur, $"blk.{layer}.attn_k.bias");
            var v = Linear(ctx, weights, lora, W("attn_v"), cur, $"blk.{layer}.attn_v.bias");
            q = NativeApi.ggml_reshape_3d(ctx, q, headSize, hp.HeadCount, length);
            k = NativeApi.ggml_reshape_3d(ctx, k, headSize, hp.KvHeadCount, length);
            v = NativeApi.ggml_reshape_3d(ctx, v, headSize, hp.KvHeadCount, length);
            q = Rope(ctx, q, inputs.Positions, headSize, sections, hp);
            k = Rope(ctx, k, inputs.Positions, headSize, sections, hp);

            var qh = NativeApi.ggml_permute(ctx, q, 0, 2, 1, 3);                       // [hd, T, H]
            var kh = NativeApi.ggml_permute(ctx, k, 0, 2, 1, 3);                       // [hd, T, Hkv]
            var kq = NativeApi.ggml_mul_mat(ctx, kh, qh);                              // [T_k, T_q, H], KV heads broadcast
            kq = NativeApi.ggml_soft_max_ext(ctx, kq, inputs.AttentionMask, scale, 0f);
            var vt = NativeApi.ggml_cont(ctx, NativeApi.ggml_permute(ctx, v, 1, 2, 0, 3)); // [T_k, hd, Hkv]
            var kqv = NativeApi.ggml_mul_mat(ctx, vt, kq);                             // [hd, T_q, H]
            var merged = NativeApi.ggml_cont(ctx, NativeApi.ggml_permute(ctx, kqv, 0, 2, 1, 3)); // [hd, H, T]
            merged = NativeApi.ggml_reshape_2d(ctx, merged, hp.EmbeddingSize, length);
            x = NativeApi.ggml_add(ctx, Linear(ctx, weights, lora, W("attn_output"), merged, null), residual);

            residual = x;
            cur = Norm(ctx, x, weights[W("ffn_norm")], rmsEps);
            var gate = Linear(ctx, weights, lora, W("ffn_gate"), cur, null);
            var up = Linear(ctx, weights, lora, W("ffn_up"), cur, null);
            var act = NativeApi.ggml_swiglu_split(ctx, gate, up);
            x = NativeApi.ggml_add(ctx, Linear(ctx, weights, lora, W("ffn_down"), act, null), residual);
        }

        x = Norm(ctx, x, weights["output_norm.weight"], rmsEps);
        if (inputs.SupervisedRows is { } rows)
            x = NativeApi.ggml_get_rows(ctx, x, rows);
        var logits = NativeApi.ggml_mul_mat(ctx, weights.Output, x);
        NativeApi.ggml_set_name(logits, "logits");
        return logits;
    }

    private static nint Norm(nint ctx, nint x, nint weight, float eps) =>
        NativeApi.ggml_mul(ctx, NativeApi.ggml_rms_norm(ctx, x, eps), weight);

    private static nint Rope(nint ctx, nint t, nint positions, int headSize, int* sections, QwenLmHyperParameters hp) =>
        NativeApi.ggml_rope_multi(ctx, t, positions, 0, headSize, sections, (int)LlamaRopeType.MRope, hp.ContextLength,
            hp.RopeFreqBase, 1f, 0f, 1f, 32f, 1f);

    /// <summary><c>W·x (+ b) (+ (alpha/r)·B·(A·x))</c>.</summary>
    private static nint Linear(nint ctx, QwenLmWeights weights, LoraParameters? lora, string weight, nint x, string? bias)
    {
        var y = NativeApi.ggml_mul_mat(ctx, weights[weight], x);
        if (bias is not null && weights.TryGet(bias, out var b))
            y = NativeApi.ggml_add(ctx, y, b);
        if (lora is not null && lora.TryGet(weight, out var pair))
        {
            var ax = NativeApi.ggml_mul_mat(ctx, pair.A, x);
            var bax = NativeApi.ggml_mul_mat(ctx, pair.B, ax);
            y = NativeApi.ggml_add(ctx, y, NativeApi.ggml_scale(ctx, bax, lora.Options.Scale));
        }
        return y;
    }
}
