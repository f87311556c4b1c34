using System.Diagnostics;
using System.Globalization;
using DynamicCot.Inference.Generation;
using DynamicCot.Inference.Images;
using DynamicCot.Inference.Llama;
using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Llama.Native;

namespace DynamicCot.Bench.Inference;

/// <summary>
/// Serving cost of one model pair (LM + projector) on this host, one measurement per process so that the driver
/// (bench/Serving/serving-cost.sh) can interleave models and arms and record the load with each. Every mode prints
/// one line starting with RESULT, tab-separated key=value pairs.
/// </summary>
internal static class ServingCost
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>
    /// Load time and peak RSS; image encode time (mtmd alone, median of 3 photos), then for each post with a photo
    /// prompt, generation and total time of a suggestion with a 24-token answer budget, at one image budget.
    /// </summary>
    public static async Task PostsAsync(string model, string projector, int threads, int imageTokens, IReadOnlyList<(string Text, string Image)> posts)
    {
        var encodeMs = EncodeTimes(model, projector, threads, imageTokens, posts.Take(3).Select(p => p.Image).ToList());
        var clock = Stopwatch.StartNew();
        await using var engine = KeyphraseEngine.Start(new KeyphraseEngineOptions
        {
            ModelPath = model, ProjectorPath = projector, Threads = threads, MaxParallelSequences = 1, ContextPerSequence = 2048,
            ImageMaxTokens = imageTokens,
        });
        await engine.SuggestAsync("warm-up", null, Answer24);
        var loadMs = clock.Elapsed.TotalMilliseconds;
        var encode = Median(encodeMs);
        List<double> prompt = [], generation = [], total = [], perToken = [];
        var promptTokens = new List<double>();
        foreach (var (text, image) in posts)
        {
            var input = await ImageInput.FromFileAsync(image);
            var one = Stopwatch.StartNew();
            var result = await engine.SuggestAsync(text, input, Answer24);
            total.Add(one.Elapsed.TotalMilliseconds);
            prompt.Add(result.PromptTime.TotalMilliseconds);
            generation.Add(result.GenerationTime.TotalMilliseconds);
            perToken.Add(result.GenerationTime.TotalMilliseconds / Math.Max(1, result.GeneratedTokens));
            promptTokens.Add(result.PromptTokens);
        }
        Print("posts", ("image_tokens", imageTokens), ("posts", posts.Count), ("load_ms", loadMs), ("peak_rss_mb", PeakRssMb()),
            ("encode_ms_p50", encode), ("prompt_tokens_p50", Median(promptTokens)),
            ("prompt_ms_p50_with_encode", Median(prompt)), ("prompt_ms_p50_without_encode", Median(prompt) - encode),
            ("gen24_ms_p50", 24 * Median(perToken)), ("generation_ms_p50", Median(generation)), ("total_ms_p50", Median(total)));
    }

    /// <summary>The same posts with photos one at a time and all in flight at once (continuous batching).</summary>
    public static async Task ConcurrentAsync(string model, string projector, int threads, int imageTokens, IReadOnlyList<(string Text, string Image)> posts)
    {
        var inputs = new List<(string Text, ImageInput Image)>();
        foreach (var (text, image) in posts)
            inputs.Add((text, await ImageInput.FromFileAsync(image)));
        foreach (var parallel in new[] { 1, posts.Count })
        {
            await using var engine = KeyphraseEngine.Start(new KeyphraseEngineOptions
            {
                ModelPath = model, ProjectorPath = projector, Threads = threads, MaxParallelSequences = parallel, ContextPerSequence = 1024,
                ImageMaxTokens = imageTokens,
            });
            await engine.SuggestAsync("warm-up", null, Answer24);
            var clock = Stopwatch.StartNew();
            var results = await Task.WhenAll(inputs.Select(p => engine.SuggestAsync(p.Text, p.Image, Answer24)));
            var wall = clock.Elapsed.TotalSeconds;
            Print("concurrent", ("image_tokens", imageTokens), ("in_flight", parallel), ("posts", posts.Count), ("wall_s", wall),
                ("posts_per_hour", posts.Count / wall * 3600), ("generated", results.Sum(r => r.GeneratedTokens)), ("peak_rss_mb", PeakRssMb()));
        }
    }

    /// <summary>Generation tokens/s with no grammar, with the grammar constraining every candidate, and with checked picks.</summary>
    public static async Task GuidedAsync(string model, int threads, int maxTokens, IReadOnlyList<string> texts)
    {
        foreach (var (arm, useGrammar, check) in new[] { ("raw", false, false), ("full-constraint", true, false), ("checked-picks", true, true) })
        {
            await using var engine = KeyphraseEngine.Start(new KeyphraseEngineOptions
            {
                ModelPath = model, Threads = threads, MaxParallelSequences = 1, ContextPerSequence = 1024,
                UseGrammar = useGrammar, CheckPickAgainstGrammar = check,
            });
            var options = new SuggestionOptions { Thinking = ThinkingMode.Off, MaxTokens = maxTokens };
            await engine.SuggestAsync("warm-up", null, options);
            double tokens = 0, seconds = 0;
            foreach (var text in texts)
            {
                var result = await engine.SuggestAsync(text, null, options);
                tokens += result.GeneratedTokens;
                seconds += result.GenerationTime.TotalSeconds;
            }
            Print("guided", ("arm", arm), ("posts", texts.Count), ("generated", tokens), ("generation_tok_s", tokens / seconds), ("load", Load()));
        }
    }

    private static readonly SuggestionOptions Answer24 = new() { Thinking = ThinkingMode.Off, MaxTokens = 24 };

    private static List<double> EncodeTimes(string model, string projector, int threads, int imageTokens, IReadOnlyList<string> images)
    {
        using var lm = LlamaModel.Load(model);
        using var mtmd = MtmdContext.Load(projector, lm, new MtmdOptions { Threads = threads, ImageMaxTokens = imageTokens, Warmup = true });
        using var decoder = new ImageDecoder();
        var times = new List<double>();
        foreach (var path in images)
        {
            var image = decoder.DecodeFileAsync(path).GetAwaiter().GetResult();
            using var bitmap = MtmdBitmap.FromRgb(image.Width, image.Height, image.Rgb.Span);
            using var chunks = mtmd.Tokenize(mtmd.Marker, [bitmap]);
            var chunk = chunks.Chunks.First(c => c.Type == MtmdInputChunkType.Image);
            var clock = Stopwatch.StartNew();
            mtmd.EncodeImage(chunk);
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        return times;
    }

    private static double PeakRssMb()
    {
        var line = File.ReadAllLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return double.Parse(line.Split(':')[1].Trim().Split(' ')[0], Inv) / 1024;
    }

    private static void Print(string mode, params (string Key, object Value)[] fields) =>
        Console.WriteLine("RESULT\tmode=" + mode + string.Concat(fields.Select(f => "\t" + f.Key + "=" + (f.Value is double d ? d.ToString("0.###", Inv) : Convert.ToString(f.Value, Inv)))));

    private static string Load() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

    private static double Median(IEnumerable<double> values)
    {
        var v = values.OrderBy(x => x).ToArray();
        return v.Length == 0 ? double.NaN : v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}
