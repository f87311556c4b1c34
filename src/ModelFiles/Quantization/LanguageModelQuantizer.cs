using DynamicCot.Llama;
using DynamicCot.Llama.Native;
using LLama.Native;
using NativeApi = LLama.Native.NativeApi;

namespace DynamicCot.ModelFiles.Quantization;

/// <summary>
/// Quantizes a language model with <c>llama_model_quantize</c> from LLamaSharp's native build, so every per-tensor
/// type choice (K-quant mixes, "more bits" layers, fallbacks for rows a block does not divide) is llama.cpp's own.
/// </summary>
/// <remarks>
/// llama.cpp writes to the path it is given and leaves a partial file behind when it fails, so it writes to a
/// temporary file next to the output, renamed over the output only on success. Calls run one at a time. Errors and
/// progress are read from llama.cpp's log through <see cref="NativeLog"/>, the process's one receiver of it. A running
/// quantization cannot be interrupted; cancellation is checked before it starts.
/// </remarks>
internal static class LanguageModelQuantizer
{
    private static readonly Lock OneAtATime = new();

    /// <summary>A model's per-tensor lines and llama.cpp's reasons, with room to spare (Qwen2-VL-7B has 339 tensors).</summary>
    private const int LogLinesKept = 10_000;

    public static QuantizationResult Quantize(QuantizationInput input, QuantizationPreset preset, int threads,
        IProgress<QuantizationProgress>? progress, CancellationToken cancellationToken)
    {
        var temporary = Path.Combine(Path.GetDirectoryName(input.OutputPath)!, $".{Path.GetFileName(input.OutputPath)}.{Guid.NewGuid():N}.partial");
        IReadOnlyList<string> log;
        lock (OneAtATime)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // The engine's runtime loads llama.cpp (CPU variant, OpenMP policy, checks) before anything touches it.
            EnsureLibraryLoaded();
            // llama.cpp logs on the calling thread, so the capture sees this quantization's lines only.
            using var capture = NativeLog.Capture(line =>
            {
                if (progress is not null && QuantizerLogProgress.TryParse(line, out var step))
                    progress.Report(step);
            }, keep: LogLinesKept);
            uint status;
            try
            {
                var parameters = LLamaModelQuantizeParams.Default();
                parameters.ftype = preset.FileType;
                parameters.nthread = LlamaThreads.Resolve(threads);
                parameters.allow_requantize = false;
                status = NativeApi.llama_model_quantize(input.InputPath, temporary, ref parameters);
            }
            catch
            {
                TryDelete(temporary);
                throw;
            }
            capture.Dispose();
            log = capture.Lines;
            if (status != 0 || !File.Exists(temporary))
            {
                TryDelete(temporary);
                throw new QuantizationFailedException(input.InputPath,
                    $"llama.cpp could not quantize {input.InputPath} to {preset.Name}: {Reason(log)}", log);
            }
        }
        try
        {
            File.Move(temporary, input.OutputPath, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
        var types = GgufQuantizer.TensorTypesOf(input.OutputPath);
        return new QuantizationResult(input.OutputPath, QuantizationTarget.LanguageModel, input.InputBytes,
            new FileInfo(input.OutputPath).Length, types, log);
    }

    /// <summary>
    /// Loads LLamaSharp's native build (the CPU variant it picks for this machine) through its own loader, which also
    /// installs the resolver its P/Invoke declarations need; a missing or unloadable build becomes a typed error.
    /// </summary>
    private static void EnsureLibraryLoaded()
    {
        try
        {
            LlamaRuntime.EnsureLoaded();
        }
        catch (LlamaLibraryException e)
        {
            var reason = e.Message;
            throw new QuantizationException(AppContext.BaseDirectory,
                $"llama.cpp (LLamaSharp.Backend.Cpu, runtimes/linux-x64/native/*/libllama.so under {AppContext.BaseDirectory}) could not be loaded: {reason}", e);
        }
    }

    /// <summary>llama.cpp's own words: its "failed to quantize" line and any error lines, else the last lines logged.</summary>
    private static string Reason(IReadOnlyList<string> log)
    {
        var lines = log.Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        var errors = lines.Where(l => l.Contains("failed", StringComparison.OrdinalIgnoreCase)
            || l.Contains("error", StringComparison.OrdinalIgnoreCase)).ToArray();
        var chosen = errors.Length > 0 ? errors : lines.TakeLast(3).ToArray();
        return chosen.Length > 0 ? string.Join(" | ", chosen) : "llama.cpp returned an error without logging a reason";
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
