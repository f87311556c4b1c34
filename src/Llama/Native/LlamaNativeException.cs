using DynamicCot.Keyphrases;

namespace DynamicCot.Llama.Native;

/// <summary>A native llama.cpp / ggml / gguf / mtmd call failed. <see cref="Operation"/> names the call.</summary>
public class LlamaNativeException : Exception, IUserFacingError
{
    public LlamaNativeException(string operation, string message, int? statusCode = null, Exception? inner = null)
        : base(message, inner)
    {
        Operation = operation;
        StatusCode = statusCode;
    }

    /// <summary>The native function that failed, e.g. <c>llama_decode</c>.</summary>
    public string Operation { get; }

    /// <summary>The status code the native function returned, when it returns one.</summary>
    public int? StatusCode { get; }
}

/// <summary>
/// The native library could not be found, could not be opened, or is not the pinned build.
/// The message names the file, what was found, and what is expected.
/// </summary>
public sealed class LlamaLibraryException : Exception, IUserFacingError
{
    public LlamaLibraryException(string? path, string message, Exception? inner = null) : base(message, inner)
    {
        LibraryPath = path;
    }

    /// <summary>The file that was tried, or null when no candidate was found.</summary>
    public string? LibraryPath { get; }
}
