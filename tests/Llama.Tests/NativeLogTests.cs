using LLama.Native;

namespace DynamicCot.Llama.Tests;

/// <summary>
/// The one receiver of native log lines, fed the way llama.cpp calls it: fragments of one line at one level (its
/// quantizer prints a tensor's line in three calls), continuations, several lines in one call, and level changes.
/// </summary>
public sealed class NativeLogTests
{
    [Fact]
    public void Fragments_at_one_level_make_one_line_as_the_quantizer_prints_them()
    {
        var seen = new List<string>();
        IReadOnlyList<string> lines;
        using (var capture = NativeLog.Capture(seen.Add))
        {
            // llama-quant.cpp: "[%4d/%4d] %36s - [%s], type = %6s, ", then "converting to %s .. ", then "size = …\n".
            NativeLog.OnMessage(LLamaLogLevel.Info, "[   3/  10]   blk.1.ffn_down.weight - [  64,  32,   1,   1], type =    f32, ");
            NativeLog.OnMessage(LLamaLogLevel.Info, "converting to q6_K .. ");
            NativeLog.OnMessage(LLamaLogLevel.Info, "size =     0.01 MiB ->     0.00 MiB\n");
            Assert.Single(capture.Lines);
            Assert.Contains("blk.1.ffn_down.weight", capture.Lines[0]);
            Assert.Contains("q6_K", capture.Lines[0]);
            lines = capture.Lines;
        }
        Assert.Equal(lines, seen);
    }

    [Fact]
    public void A_level_change_ends_the_line_and_continuations_join_it()
    {
        using var capture = NativeLog.Capture();
        NativeLog.OnMessage(LLamaLogLevel.Info, "loading model");
        NativeLog.OnMessage(LLamaLogLevel.Error, "failed to open");
        NativeLog.OnMessage(LLamaLogLevel.Continue, " the file\n");
        NativeLog.OnMessage(LLamaLogLevel.Warning, "first\nsecond\n");

        Assert.Equal(["loading model", "failed to open the file", "first", "second"], capture.Lines);
        Assert.True(capture.HasErrors);
        Assert.Equal(["failed to open the file", "first", "second"], capture.LastProblems());
    }

    [Fact]
    public void A_capture_keeps_the_newest_lines_it_is_allowed_and_an_outer_capture_sees_them_too()
    {
        using var outer = NativeLog.Capture();
        using (var inner = NativeLog.Capture(keep: 2))
        {
            foreach (var n in new[] { "one", "two", "three" })
                NativeLog.OnMessage(LLamaLogLevel.Info, n + "\n");
            Assert.Equal(["two", "three"], inner.Lines);
        }
        NativeLog.OnMessage(LLamaLogLevel.Info, "after\n");
        Assert.Equal(["one", "two", "three", "after"], outer.Lines);
    }

    [Fact]
    public void Another_thread_s_lines_do_not_reach_this_thread_s_capture()
    {
        using var capture = NativeLog.Capture();
        var other = new Thread(() => NativeLog.OnMessage(LLamaLogLevel.Error, "someone else's model\n"));
        other.Start();
        other.Join();
        NativeLog.OnMessage(LLamaLogLevel.Info, "mine\n");
        Assert.Equal(["mine"], capture.Lines);
    }
}
