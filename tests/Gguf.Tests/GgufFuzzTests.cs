using System.Buffers.Binary;
using System.Diagnostics;
using DynamicCot.Gguf;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Gguf.Tests;

/// <summary>
/// Feeds the reader every truncation and thousands of seeded mutations of a valid file: the only acceptable outcomes
/// are a successful open (after which every tensor must be readable) or a <see cref="GgufFormatException"/>.
/// </summary>
public class GgufFuzzTests
{
    private static byte[] ValidFile(TempFolder temp)
    {
        var metadata = GgufSamples.NativeCompatibleMetadata().Concat(
            [new GgufKeyValue("test.nested", GgufValue.Arrays([GgufValue.Array<int>([1, 2]), GgufValue.Strings(["x"])]))]);
        var path = temp.File("valid.gguf");
        GgufSamples.Writer(metadata, GgufSamples.Tensors()).WriteTo(path);
        return File.ReadAllBytes(path);
    }

    [Fact]
    public void EveryTruncationIsAFormatError()
    {
        using var temp = TestPaths.NewTempFolder();
        var valid = ValidFile(temp);
        var path = temp.File("cut.gguf");
        using var file = GgufFile.Open(temp.File("valid.gguf"));
        // The last tensor ends before the final alignment padding; cutting only padding still leaves a valid file.
        var last = file.Tensors.MaxBy(t => t.Offset)!;
        var minimalLength = file.DataOffset + (long)(last.Offset + last.ByteSize);
        for (var length = 0; length < valid.Length; length++)
        {
            File.WriteAllBytes(path, valid.AsSpan(0, length).ToArray());
            if (length >= minimalLength)
                OpenAndTouchEverything(path);
            else
                Assert.Throws<GgufFormatException>(() => OpenAndTouchEverything(path));
        }
    }

    [Fact]
    public void SeededMutationsOnlyEverRaiseFormatErrors()
    {
        using var temp = TestPaths.NewTempFolder();
        var valid = ValidFile(temp);
        var path = temp.File("mutant.gguf");
        var random = new Random(20240613);
        ulong[] extremes = [0, 1, 0x7F, 0xFF, 0xFFFF, 0x7FFF_FFFF, 0xFFFF_FFFF, 0x1_0000_0000, long.MaxValue, ulong.MaxValue, 1UL << 62, 79, 80, 4, 5, 9, 12, 13];
        var (accepted, rejected) = (0, 0);
        var clock = Stopwatch.StartNew();
        for (var round = 0; round < 3000; round++)
        {
            var mutant = (byte[])valid.Clone();
            var edits = 1 + random.Next(3);
            for (var e = 0; e < edits; e++)
            {
                var at = random.Next(mutant.Length);
                switch (random.Next(4))
                {
                    case 0:
                        mutant[at] ^= (byte)(1 << random.Next(8));
                        break;
                    case 1:
                        mutant[at] = (byte)random.Next(256);
                        break;
                    case 2 when at + 8 <= mutant.Length:
                        BinaryPrimitives.WriteUInt64LittleEndian(mutant.AsSpan(at), extremes[random.Next(extremes.Length)]);
                        break;
                    default:
                        if (at + 4 <= mutant.Length)
                            BinaryPrimitives.WriteUInt32LittleEndian(mutant.AsSpan(at), (uint)extremes[random.Next(extremes.Length)]);
                        break;
                }
            }
            if (random.Next(4) == 0)
                Array.Resize(ref mutant, random.Next(mutant.Length));
            File.WriteAllBytes(path, mutant);
            try
            {
                OpenAndTouchEverything(path);
                accepted++;
            }
            catch (GgufFormatException)
            {
                rejected++;
            }
        }
        Assert.True(rejected > 100, $"only {rejected} mutants were rejected");
        Assert.True(accepted > 100, $"only {accepted} mutants were accepted (mutations of tensor data should pass)");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"fuzzing took {clock.Elapsed}");
    }

    private static void OpenAndTouchEverything(string path)
    {
        using var file = GgufFile.Open(path);
        foreach (var (_, value) in file.Metadata)
            _ = value.ToDisplayString();
        long sum = 0;
        foreach (var tensor in file.Tensors)
        {
            foreach (var b in file.GetTensorData(tensor))
                sum += b;
            if (tensor.Type is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16)
                _ = file.ReadFloat32(tensor.Name);
        }
        GC.KeepAlive(sum);
    }
}
