namespace DynamicCot.Llama.Native;

// C enums are 4-byte ints; values from llama.h / ggml.h / ggml-backend.h / gguf.h / mtmd.h in the ggml of LLamaSharp.Backend.Cpu 0.30.0 (llama.cpp c0c7e147).

public enum LlamaFlashAttnType { Auto = -1, Disabled = 0, Enabled = 1 }

public enum LlamaRopeType { None = -1, Norm = 0, Neox = 2, MRope = 8, Vision = 24, IMRope = 40 }

public enum LlamaVocabType { None = 0, Spm = 1, Bpe = 2, Wpm = 3, Ugm = 4, Rwkv = 5, Plamo2 = 6 }

/// <summary><c>enum llama_ftype</c>: the dominant tensor type of a model file.</summary>
public enum LlamaFileType
{
    AllF32 = 0, MostlyF16 = 1, MostlyQ4_0 = 2, MostlyQ4_1 = 3, MostlyQ8_0 = 7, MostlyQ5_0 = 8, MostlyQ5_1 = 9,
    MostlyQ2_K = 10, MostlyQ3_K_S = 11, MostlyQ3_K_M = 12, MostlyQ3_K_L = 13, MostlyQ4_K_S = 14, MostlyQ4_K_M = 15,
    MostlyQ5_K_S = 16, MostlyQ5_K_M = 17, MostlyQ6_K = 18, MostlyBF16 = 32, Guessed = 1024,
}


/// <summary><c>enum ggml_backend_dev_type</c>.</summary>
public enum GgmlBackendDeviceType { Cpu = 0, Gpu = 1, IntegratedGpu = 2, Accelerator = 3, Meta = 4 }


public enum MtmdInputChunkType { Text = 0, Image = 1, Audio = 2 }
