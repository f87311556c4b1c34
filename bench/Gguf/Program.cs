using System.Diagnostics;
using System.Runtime.InteropServices;
using DynamicCot.Gguf;
using DynamicCot.Llama.Native;

// Writes and reads an F32 GGUF of SIZE_MB (default 200) split into 64 tensors, three rounds each, and prints the
// best throughput. Numbers include the page cache (the file is not fsynced), which is what conversion pipelines see.
var sizeMb = args.Length > 0 ? int.Parse(args[0]) : 200;
const int tensorCount = 64;
var floatsPerTensor = sizeMb * (1 << 20) / 4 / tensorCount;
var data = new float[floatsPerTensor];
var random = new Random(1);
for (var i = 0; i < data.Length; i++)
    data[i] = (float)random.NextDouble();
var bytes = MemoryMarshal.AsBytes(data.AsSpan()).ToArray();
var totalMb = (double)bytes.Length * tensorCount / (1 << 20);

var folder = Path.Combine(Path.GetTempPath(), $"dynamiccot-bench-gguf-{Guid.NewGuid():N}");
Directory.CreateDirectory(folder);
var path = Path.Combine(folder, "bench.gguf");
try
{
    double Best(Action run)
    {
        var best = double.MaxValue;
        for (var round = 0; round < 3; round++)
        {
            var clock = Stopwatch.StartNew();
            run();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return totalMb / best;
    }

    var writeMemory = Best(() =>
    {
        var writer = new GgufWriter().AddString("general.architecture", "bench");
        for (var t = 0; t < tensorCount; t++)
            writer.AddTensor($"blk.{t}.weight", GgmlType.F32, [(ulong)floatsPerTensor], bytes);
        writer.WriteTo(path);
    });
    var writeStreamed = Best(() =>
    {
        var writer = new GgufWriter().AddString("general.architecture", "bench");
        for (var t = 0; t < tensorCount; t++)
            writer.AddTensor($"blk.{t}.weight", GgmlType.F32, [(ulong)floatsPerTensor], stream =>
            {
                for (var offset = 0; offset < bytes.Length; offset += 1 << 20)
                    stream.Write(bytes, offset, Math.Min(1 << 20, bytes.Length - offset));
            });
        writer.WriteTo(path);
    });
    var readSpan = Best(() =>
    {
        using var file = GgufFile.Open(path);
        ulong checksum = 0;
        foreach (var tensor in file.Tensors)
            foreach (var value in MemoryMarshal.Cast<byte, ulong>(file.GetTensorData(tensor)))
                checksum ^= value;
        GC.KeepAlive(checksum);
    });
    var readFloats = Best(() =>
    {
        using var file = GgufFile.Open(path);
        foreach (var tensor in file.Tensors)
            GC.KeepAlive(file.ReadFloat32(tensor.Name));
    });
    Console.WriteLine($"file: {totalMb:0} MiB F32, {tensorCount} tensors, {Environment.ProcessorCount} cores");
    Console.WriteLine($"write (ReadOnlyMemory tensors): {writeMemory:0} MiB/s");
    Console.WriteLine($"write (streaming callbacks):    {writeStreamed:0} MiB/s");
    Console.WriteLine($"read  (open + scan mapped spans): {readSpan:0} MiB/s");
    Console.WriteLine($"read  (open + ReadFloat32 copies): {readFloats:0} MiB/s");
}
finally
{
    Directory.Delete(folder, recursive: true);
}
