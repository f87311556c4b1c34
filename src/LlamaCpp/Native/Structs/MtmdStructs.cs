using System.Runtime.InteropServices;

namespace DynamicCot.LlamaCpp.Native;

// Blittable mirrors of tools/mtmd/mtmd.h and mtmd-helper.h (commit 22dc605).

/// <summary><c>struct mtmd_context_params</c> (80 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct MtmdContextParams
{
    public byte UseGpu;
    public byte PrintTimings;
    public int NThreads;
    /// <summary>Deprecated: must stay null or <c>mtmd_init_from_file</c> fails.</summary>
    public byte* ImageMarker;
    public byte* MediaMarker;
    public LlamaFlashAttnType FlashAttnType;
    public byte Warmup;
    public int ImageMinTokens;
    public int ImageMaxTokens;
    public delegate* unmanaged<nint, byte, nint, byte> CbEval;
    public nint CbEvalUserData;
    public int BatchMaxTokens;
    public delegate* unmanaged<float, nint, byte> ProgressCallback;
    public nint ProgressCallbackUserData;
}

/// <summary><c>struct mtmd_input_text</c> (24 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct MtmdInputText
{
    public byte* Text;
    public nuint TextLength;
    public byte AddSpecial;
    public byte ParseSpecial;
}

/// <summary><c>struct mtmd_decoder_pos</c> (16 bytes): the four M-RoPE coordinates of one image embedding.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct MtmdDecoderPos
{
    public uint T;
    public uint X;
    public uint Y;
    public uint Z;
}

/// <summary><c>struct mtmd_helper_bitmap_wrapper</c> (16 bytes, returned in registers).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct MtmdHelperBitmapWrapper
{
    public nint Bitmap;
    public nint VideoContext;
}

/// <summary><c>struct mtmd_caps</c> (2 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct MtmdCaps
{
    public byte InpVision;
    public byte InpAudio;
}
