using System.Runtime.InteropServices;
using DynamicCot.Gguf;

namespace DynamicCot.Llama.Native;

// Blittable mirrors of ggml.h and gguf.h (the ggml of LLamaSharp.Backend.Cpu 0.30.0, ggml 815a2a591, built with GGML_MAX_NAME = 64).

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

/// <summary><c>struct gguf_init_params</c> (16 bytes, passed in two registers).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct GgufInitParams
{
    public byte NoAlloc;
    /// <summary><c>struct ggml_context **</c>: where to store the context holding the tensor data, or null.</summary>
    public nint Context;
}
