using System.Text;
using LLama.Native;

namespace DynamicCot.ModelFiles.Quantization;

/// <summary>
/// Collects llama.cpp's log lines (LLamaSharp's native build) while a quantization runs, so a failure can show
/// llama.cpp's own reason and its per-tensor lines can drive progress. llama.cpp has one process-wide log callback;
/// it is (re)installed at the start of every capture, so another user of LLamaSharp that set its own callback cannot
/// blind a quantization, and it hands lines to the capture in progress (quantizations run one at a time). Outside a
/// capture the lines are dropped.
/// </summary>
internal sealed class LlamaLogCapture : IDisposable
{
    private static readonly Lock InstallGate = new();
    private static LlamaLogCapture? _current;

    private readonly Lock _gate = new();
    private readonly StringBuilder _partial = new();
    private readonly List<string> _lines = [];
    private readonly Action<string>? _onLine;

    private LlamaLogCapture(Action<string>? onLine) => _onLine = onLine;

    /// <summary>Every complete line logged since <see cref="Begin"/>.</summary>
    public IReadOnlyList<string> Lines
    {
        get { lock (_gate) return _lines.ToArray(); }
    }

    /// <summary>Starts capturing; <paramref name="onLine"/> sees each complete line as it arrives.</summary>
    public static LlamaLogCapture Begin(Action<string>? onLine = null)
    {
        var capture = new LlamaLogCapture(onLine);
        lock (InstallGate)
        {
            // Before LLamaSharp has loaded its library this is queued and applied at load time.
            NativeLogConfig.llama_log_set(OnLog);
            Volatile.Write(ref _current, capture);
        }
        return capture;
    }

    public void Dispose()
    {
        if (Interlocked.CompareExchange(ref _current, null, this) == this)
            DynamicCot.Inference.LlamaRuntime.RestoreLogCallback();
        lock (_gate)
            Flush();
    }

    private static void OnLog(LLamaLogLevel level, string message)
    {
        try
        {
            Volatile.Read(ref _current)?.Append(message);
        }
        catch
        {
            // Never let an exception cross into native code.
        }
    }

    private void Append(string message)
    {
        string[] complete;
        lock (_gate)
        {
            _partial.Append(message);
            var text = _partial.ToString();
            var end = text.LastIndexOf('\n');
            if (end < 0)
                return;
            complete = text[..end].Split('\n');
            _partial.Clear().Append(text, end + 1, text.Length - end - 1);
            _lines.AddRange(complete);
        }
        if (_onLine is not null)
            foreach (var line in complete)
                _onLine(line);
    }

    private void Flush()
    {
        if (_partial.Length == 0)
            return;
        _lines.Add(_partial.ToString());
        _partial.Clear();
    }
}
