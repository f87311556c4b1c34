using DynamicCot.Gguf;
using DynamicCot.Quantize.Commands;
using DynamicCot.Tests.Shared;
using Xunit.Abstractions;

namespace DynamicCot.Fuzz.Tests;

/// <summary>
/// The managed GGUF reader and <c>inspect</c> on mutated GGUF files: header, KV types, string and array lengths,
/// tensor dimensions and offsets, truncation. Pass: the file opens (and every tensor's bytes can be read) or a
/// <see cref="GgufFormatException"/> names the problem; <c>inspect</c> exits 0 or 1, never 70 (an internal error).
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class GgufFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _folder = TestPaths.NewTempFolder("dynamiccot-fuzz-gguf");
    private long _count;

    /// <summary>Files of every KV type, arrays of numbers and strings, and tensors of three types at their alignment.</summary>
    private IReadOnlyList<byte[]> Seeds()
    {
        byte[] Write(GgufWriter writer)
        {
            var stream = new MemoryStream();
            writer.WriteTo(stream);
            return stream.ToArray();
        }
        var f32 = new byte[4 * 6];
        var f16 = new byte[2 * 8];
        var q8 = new byte[34];
        return
        [
            Write(new GgufWriter()
                .AddString("general.architecture", "qwen2vl").AddString("general.name", "fuzz seed")
                .AddUInt32("qwen2vl.block_count", 2).AddInt32("i32", -5).AddUInt64("u64", 1UL << 40)
                .AddFloat32("f32", 0.5f).AddBool("flag", true)
                .Add("u8", GgufValue.UInt8(7)).Add("i16", GgufValue.Int16(-3)).Add("f64", GgufValue.Float64(1e-6))
                .AddArray<int>("qwen2vl.rope.dimension_sections", [16, 24, 24, 0])
                .AddStrings("tokenizer.ggml.tokens", ["<|im_start|>", "a", "b", "ü", "<answer>"])
                .Add("nested", GgufValue.Arrays([GgufValue.Array<float>([1f, 2f]), GgufValue.Array<float>([3f])]))
                .AddTensor("token_embd.weight", GgmlType.F32, [3, 2], f32)
                .AddTensor("blk.0.attn_q.weight", GgmlType.F16, [8], f16)
                .AddTensor("blk.0.ffn_up.weight", GgmlType.Q8_0, [32], q8)),
            Write(new GgufWriter().AddString("general.architecture", "clip").AddUInt32("clip.vision.image_size", 448)),
            Write(new GgufWriter()),
        ];
    }

    private FuzzOutcome Execute(byte[] input)
    {
        var path = Path.Combine(_folder.Path, $"input-{Interlocked.Increment(ref _count) % 4}.gguf");
        File.WriteAllBytes(path, input);
        try
        {
            using var gguf = GgufFile.Open(path);
            foreach (var entry in gguf.Metadata)
                _ = entry.Value.ToString();
            foreach (var tensor in gguf.Tensors)
                _ = gguf.GetTensorData(tensor).Length;
        }
        catch (GgufFormatException)
        {
            return FuzzOutcome.TypedError;
        }
        finally
        {
            // One in eight inputs also goes through the command a user would run on it.
            if (_count % 8 == 0)
            {
                var inspect = InProcessCli.Run(InspectCommand.Create(), "inspect", path, "--json");
                if (inspect.ExitCode is not (0 or 1))
                    throw new InvalidOperationException($"inspect exited {inspect.ExitCode}: {inspect.Stderr}");
            }
        }
        return FuzzOutcome.Result;
    }

    [Fact]
    public void Mutated_gguf_files_open_or_raise_a_format_error() => new FuzzRun("gguf", output).Run(Seeds(), Execute);

    public void Dispose() => _folder.Dispose();
}
