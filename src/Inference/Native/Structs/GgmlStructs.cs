using System.Runtime.InteropServices;
using DynamicCot.Gguf;

namespace DynamicCot.Inference.Native;

// Blittable mirrors of ggml.h, ggml-opt.h, ggml-backend.h and gguf.h (the ggml of LLamaSharp.Backend.Cpu 0.30.0, ggml 815a2a591, built with GGML_MAX_NAME = 64).

/// <summary><c>struct ggml_init_params</c> (24 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct GgmlInitParams
{
    public nuint MemSize;
    public nint MemBuffer;
    public byte NoAlloc;
}

/// <summary>
/// The leading part of <c>struct ggml_tensor</c>, up to <c>name</c>. Fields past <c>data</c> depend on
/// <c>GGML_MAX_NAME</c>; never allocate this struct, only read it through a pointer ggml returned.
/// </summary>
[StructLayout(LayoutKind.Explicit)]
public unsafe struct GgmlTensorHeader
{
    public const int MaxDims = 4;
    public const int MaxSrc = 10;
    public const int MaxName = 64;
    public const int NameOffset = 256;

    [FieldOffset(0)] public GgmlType Type;
    [FieldOffset(8)] public nint Buffer;
    [FieldOffset(16)] public fixed long Ne[MaxDims];
    [FieldOffset(48)] public fixed ulong Nb[MaxDims];
    [FieldOffset(80)] public int Op;
    [FieldOffset(84)] public fixed int OpParams[16];
    [FieldOffset(148)] public int Flags;
    [FieldOffset(152)] public fixed long Src[MaxSrc];
    [FieldOffset(232)] public nint ViewSrc;
    [FieldOffset(240)] public nuint ViewOffs;
    [FieldOffset(248)] public nint Data;
    [FieldOffset(NameOffset)] public fixed byte Name[MaxName];
}

/// <summary><c>struct ggml_opt_optimizer_params</c> (28 bytes; returned by value from the optimizer-parameter callback).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct GgmlOptOptimizerParams
{
    public float AdamWAlpha;
    public float AdamWBeta1;
    public float AdamWBeta2;
    public float AdamWEps;
    public float AdamWWeightDecay;
    public float SgdAlpha;
    public float SgdWeightDecay;
}

/// <summary><c>struct ggml_opt_params</c> (72 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct GgmlOptParams
{
    public nint BackendSched;
    public nint ContextCompute;
    public nint Inputs;
    public nint Outputs;
    public GgmlOptLossType LossType;
    public GgmlOptBuildType BuildType;
    public int OptPeriod;
    public delegate* unmanaged<GgmlOptOptimizerParams*, nint, GgmlOptOptimizerParams*> GetOptParams;
    public nint GetOptParamsUserData;
    public GgmlOptOptimizerType Optimizer;
}

/// <summary><c>struct ggml_backend_dev_caps</c> (4 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct GgmlBackendDevCaps
{
    public byte Async;
    public byte HostBuffer;
    public byte BufferFromHostPtr;
    public byte Events;
}

/// <summary><c>struct ggml_backend_dev_props</c> (56 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct GgmlBackendDevProps
{
    public byte* Name;
    public byte* Description;
    public nuint MemoryFree;
    public nuint MemoryTotal;
    public GgmlBackendDeviceType Type;
    public byte* DeviceId;
    public GgmlBackendDevCaps Caps;
}

/// <summary><c>struct gguf_init_params</c> (16 bytes, passed in two registers).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct GgufInitParams
{
    public byte NoAlloc;
    /// <summary><c>struct ggml_context **</c>: where to store the context holding the tensor data, or null.</summary>
    public nint Context;
}
