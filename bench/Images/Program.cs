// Decode + shrink of the real fixture photos: the project's ImageDecoder (NetVips/libvips) against SixLabors.ImageSharp
// 2.1.13 producing the same output size, each in its own process so that peak memory is its own.
// Usage: dotnet run -c Release --project bench/Images -- [images-folder ...] [--rounds N]
// Without folders it uses ../shared/data/{vmu16_small_events,flickr10}/images next to the repository.
// `--only netvips|imagesharp` runs one side in this process (what the parent runs twice).
using System.Diagnostics;
using DynamicCot.Bench.Images;

var rounds = 5;
string? only = null;
var folders = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--rounds") rounds = int.Parse(args[++i]);
    else if (args[i] == "--only") only = args[++i];
    else folders.Add(args[i]);
}
if (folders.Count == 0)
{
    var root = FindRepositoryRoot();
    folders.Add(Path.Combine(root, "..", "shared", "data", "vmu16_small_events", "images"));
    folders.Add(Path.Combine(root, "..", "shared", "data", "flickr10", "images"));
}

if (only is null)
{
    var photos = folders.SelectMany(f => Directory.GetFiles(f, "*.jpg")).ToArray();
    Console.WriteLine($"{photos.Length} JPEGs, {photos.Sum(p => new FileInfo(p).Length) / 1024} KiB in all, {rounds} rounds after one warm-up round, one thread, {Environment.ProcessorCount} cores");
    foreach (var side in new[] { "netvips", "imagesharp" })
        RunChild(side, folders, rounds);
    return;
}

var inputs = folders.SelectMany(f => Directory.GetFiles(f, "*.jpg")).Order(StringComparer.Ordinal)
    .Select(p => new Photo(Path.GetFileName(p), File.ReadAllBytes(p))).ToArray();
foreach (var size in OutputSize.All)
{
    // The output size of each photo is the one ImageDecoder picks; ImageSharp is asked for exactly that size.
    var targets = TargetSizes.Of(inputs, size);
    IPhotoDecoder decoder = only switch
    {
        "netvips" => new NetVipsPhotoDecoder(size),
        "imagesharp" => new ImageSharpPhotoDecoder(targets),
        _ => throw new ArgumentException($"--only takes netvips or imagesharp, not '{only}'."),
    };
    using (decoder)
    {
        foreach (var input in inputs)
            decoder.Decode(input); // warm-up, and a check that both give the same size
        var clock = Stopwatch.StartNew();
        var bytes = 0L;
        for (var r = 0; r < rounds; r++)
            foreach (var input in inputs)
            {
                var (width, height, rgb) = decoder.Decode(input);
                if (targets[input.Name] != (width, height))
                    throw new InvalidOperationException($"{only} gave {width}×{height} for {input.Name}, expected {targets[input.Name]}.");
                bytes += rgb;
            }
        var count = rounds * inputs.Length;
        Console.WriteLine($"{only,-10} {size.Label,-40} {count / clock.Elapsed.TotalSeconds,8:F1} images/s {clock.Elapsed.TotalMilliseconds / count,8:F2} ms/image  ({bytes / count / 1024} KiB RGB each)");
    }
}
using var self = Process.GetCurrentProcess();
self.Refresh();
Console.WriteLine($"{only,-10} peak working set {self.PeakWorkingSet64 / (1024 * 1024)} MiB");

static void RunChild(string side, IEnumerable<string> folders, int rounds)
{
    var start = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
    if (!Path.GetFileNameWithoutExtension(Environment.ProcessPath!).Equals("DynamicCot.Bench.Images", StringComparison.Ordinal))
        start.ArgumentList.Add(typeof(Photo).Assembly.Location); // running under `dotnet`
    foreach (var folder in folders)
        start.ArgumentList.Add(folder);
    start.ArgumentList.Add("--rounds");
    start.ArgumentList.Add(rounds.ToString(System.Globalization.CultureInfo.InvariantCulture));
    start.ArgumentList.Add("--only");
    start.ArgumentList.Add(side);
    using var child = Process.Start(start)!;
    child.WaitForExit();
    if (child.ExitCode != 0)
        throw new InvalidOperationException($"The {side} run failed (exit {child.ExitCode}).");
}

static string FindRepositoryRoot()
{
    var directory = new DirectoryInfo(AppContext.BaseDirectory);
    while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "DynamicCot.sln")))
        directory = directory.Parent;
    return directory?.FullName ?? throw new InvalidOperationException("DynamicCot.sln not found");
}
