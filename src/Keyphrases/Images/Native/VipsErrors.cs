using System.Runtime.InteropServices;

namespace DynamicCot.Keyphrases.Images.Native;

/// <summary>
/// The one place that turns libvips failure signals (null results, non-zero statuses) into exceptions, with the
/// text of libvips' error buffer.
/// </summary>
/// <remarks>
/// The error buffer is process-wide, not per thread. Clearing it before each call (as a single-threaded program
/// would) lets one decode wipe the message of another that just failed, so instead the buffer is read and cleared
/// atomically (<c>vips_error_buffer_copy</c>) only on failure, and only its last lines are kept: earlier lines can
/// be leftovers from other threads. The exception type never depends on this text.
/// </remarks>
internal static unsafe class VipsErrors
{
    private const int MaxLinesKept = 4;

    public static nint CheckPointer(nint pointer, string operation)
        => pointer != 0 ? pointer : throw Capture(operation);

    public static T CheckHandle<T>(T handle, string operation) where T : SafeHandle
    {
        if (!handle.IsInvalid)
            return handle;
        handle.Dispose();
        throw Capture(operation);
    }

    public static void CheckStatus(int status, string operation)
    {
        if (status != 0)
            throw Capture(operation);
    }

    /// <summary>An exception for a failed <paramref name="operation"/>, taking (and clearing) libvips' error text.</summary>
    public static VipsNativeException Capture(string operation)
    {
        var detail = TakeErrorText();
        var message = detail.Length == 0
            ? $"libvips {operation} failed (no detail was reported)."
            : $"libvips {operation} failed: {detail}";
        return new VipsNativeException(operation, message);
    }

    /// <summary>Reads and clears the error buffer; returns its last few lines joined by "; ".</summary>
    public static string TakeErrorText()
    {
        var copy = VipsApi.vips_error_buffer_copy();
        if (copy == 0)
            return string.Empty;
        try
        {
            var text = Marshal.PtrToStringUTF8(copy) ?? string.Empty;
            var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return string.Join("; ", lines.TakeLast(MaxLinesKept));
        }
        finally
        {
            VipsApi.g_free((void*)copy);
        }
    }
}
