using System.Runtime.InteropServices;

namespace DynamicCot.LlamaCpp.Native;

// Blittable mirrors of llama.h (commit 22dc605). C `bool` is one byte; enums are 4-byte ints; size_t is nuint.
// Every layout is checked against the pinned binary by the layout tests.

/// <summary><c>struct llama_model_params</c> (72 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct LlamaModelParams
{
    public nint Devices;
    public nint TensorBuftOverrides;
    public int NGpuLayers;
    public LlamaSplitMode SplitMode;
    public LlamaLoadMode LoadMode;
    public int MainGpu;
    public float* TensorSplit;
    public delegate* unmanaged<float, nint, byte> ProgressCallback;
    public nint ProgressCallbackUserData;
    public nint KvOverrides;
    public byte VocabOnly;
    public byte CheckTensors;
    public byte UseExtraBufts;
    public byte NoHost;
    public byte NoAlloc;
    public byte LoadMtp;
}

/// <summary><c>struct llama_context_params</c> (160 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct LlamaContextParams
{
    public uint NCtx;
    public uint NBatch;
    public uint NUbatch;
    public uint NSeqMax;
    public uint NRsSeq;
    public uint NOutputsMax;
    public int NThreads;
    public int NThreadsBatch;
    public LlamaContextType ContextType;
    public LlamaRopeScalingType RopeScalingType;
    public LlamaPoolingType PoolingType;
    public LlamaAttentionType AttentionType;
    public LlamaFlashAttnType FlashAttnType;
    public float RopeFreqBase;
    public float RopeFreqScale;
    public float YarnExtFactor;
    public float YarnAttnFactor;
    public float YarnBetaFast;
    public float YarnBetaSlow;
    public uint YarnOrigCtx;
    public float DefragThreshold;
    public delegate* unmanaged<nint, byte, nint, byte> CbEval;
    public nint CbEvalUserData;
    public GgmlType TypeK;
    public GgmlType TypeV;
    public delegate* unmanaged<nint, byte> AbortCallback;
    public nint AbortCallbackData;
    public byte Embeddings;
    public byte OffloadKqv;
    public byte NoPerf;
    public byte OpOffload;
    public byte SwaFull;
    public byte KvUnified;
    public nint Samplers;
    public nuint NSamplers;
    public nint ContextOther;
}

/// <summary><c>struct llama_batch</c> (56 bytes). Memory is owned by whoever allocated it.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct LlamaBatch
{
    public int NTokens;
    public int* Token;
    public float* Embd;
    public int* Pos;
    public int* NSeqId;
    public int** SeqId;
    public sbyte* Logits;
}

/// <summary><c>llama_token_data</c> (12 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct LlamaTokenData
{
    public LlamaToken Id;
    public float Logit;
    public float P;
}

/// <summary><c>llama_token_data_array</c> (32 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct LlamaTokenDataArray
{
    public LlamaTokenData* Data;
    public nuint Size;
    public long Selected;
    public byte Sorted;
}

/// <summary><c>llama_sampler_chain_params</c> (1 byte).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct LlamaSamplerChainParams
{
    public byte NoPerf;
}

/// <summary><c>llama_chat_message</c> (16 bytes); both strings are UTF-8 and owned by the caller.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct LlamaChatMessage
{
    public byte* Role;
    public byte* Content;
}

/// <summary><c>llama_perf_context_data</c> (48 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct LlamaPerfContextData
{
    public double TStartMs;
    public double TLoadMs;
    public double TPromptEvalMs;
    public double TEvalMs;
    public int NPromptEval;
    public int NEval;
    public int NReused;
}

/// <summary><c>llama_opt_params</c> (48 bytes). Present for completeness: <c>llama_opt_epoch</c> is broken in this build.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct LlamaOptParams
{
    public uint NCtxTrain;
    public delegate* unmanaged<nint, nint, byte> ParamFilter;
    public nint ParamFilterUserData;
    public delegate* unmanaged<GgmlOptOptimizerParams*, nint, GgmlOptOptimizerParams*> GetOptParams;
    public nint GetOptParamsUserData;
    public GgmlOptOptimizerType OptimizerType;
}

/// <summary><c>llama_logit_bias</c> (8 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct LlamaLogitBias
{
    public LlamaToken Token;
    public float Bias;
}
