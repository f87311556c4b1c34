// Decode + shrink throughput of ImageDecoder on the real fixture photos.
// Usage: dotnet run -c Release --project bench/Images -- [images-folder ...] [--rounds N]
// Without folders it uses ../shared/data/{vmu16_small_events,flickr10}/images next to the repository.
using System.Diagnostics;
using DynamicCot.Keyphrases.Images;

var rounds = 5;
var folders = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--rounds") rounds = int.Parse(args[++i]);
    else folders.Add(args[i]);
}
if (folders.Count == 0)
{
    var root = FindRepositoryRoot();
    folders.Add(Path.Combine(root, "..", "shared", "data", "vmu16_small_events", "images"));
    folders.Add(Path.Combine(root, "..", "shared", "data", "flickr10", "images"));
}
var inputs = folders.SelectMany(f => Directory.GetFiles(f, "*.jpg")).Order(StringComparer.Ordinal)
    .Select(p => (Name: Path.GetFileName(p), Bytes: File.ReadAllBytes(p))).ToArray();
Console.WriteLine($"{inputs.Length} JPEGs, {inputs.Sum(i => i.Bytes.Length) / 1024} KiB in all, {rounds} rounds, {Environment.ProcessorCount} cores");

foreach (var (label, options) in new[]
{
    ("default (max side 1344, 1,003,520 px)", new ImageDecoderOptions()),
    ("max side 448", new ImageDecoderOptions { MaxSide = 448 }),
})
{
    using var decoder = new ImageDecoder(options);
    foreach (var input in inputs) decoder.Decode(input.Bytes, input.Name); // warm-up

    var clock = Stopwatch.StartNew();
    for (var r = 0; r < rounds; r++)
        foreach (var input in inputs)
            decoder.Decode(input.Bytes, input.Name);
    Report(label, "1 thread", clock.Elapsed, rounds * inputs.Length);

    var workers = Environment.ProcessorCount;
    clock.Restart();
    Parallel.For(0, rounds * inputs.Length, new ParallelOptions { MaxDegreeOfParallelism = workers },
        n => decoder.Decode(inputs[n % inputs.Length].Bytes, inputs[n % inputs.Length].Name));
    Report(label, $"{workers} threads", clock.Elapsed, rounds * inputs.Length);
}
Console.WriteLine($"peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)} MiB");

static void Report(string label, string mode, TimeSpan elapsed, int count)
    => Console.WriteLine($"{label,-40} {mode,-10} {count / elapsed.TotalSeconds,8:F1} images/s {elapsed.TotalMilliseconds / count,8:F2} ms/image (wall)");

static string FindRepositoryRoot()
{
    var directory = new DirectoryInfo(AppContext.BaseDirectory);
    while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "DynamicCot.sln")))
        directory = directory.Parent;
    return directory?.FullName ?? throw new InvalidOperationException("DynamicCot.sln not found");
}
