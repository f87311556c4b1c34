using System.Diagnostics;
using System.Globalization;
using DynamicCot.Inference.Generation;
using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Llama;

namespace DynamicCot.Bench.EngineCuda;

/// <summary>
/// Whole suggestions through the serving engine (<see cref="KeyphraseEngine"/>: libvips decode, mtmd image encode, prompt,
/// grammar-guided answer, parsing), as the plugin's jobs run them: for each image budget, posts with photos one after
/// another, then the same posts <see cref="Parallel"/> at a time (the plugin's <c>Engine:ParallelRequests</c>).
/// Prints one RESULT line per budget and arm. Post texts are ASCII so that no ICU is needed on a bare host.
/// Usage: suggest CUDA_MODULE|- MODEL MMPROJ PHOTO_DIR THREADS   (env BUDGETS="64 256 1024", POSTS=10)
/// </summary>
internal static class SuggestionBench
{
    private const int Parallel = 8;
    private const int AnswerTokens = 24; // the generation time is reported per token and for a 24-token answer

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length != 5)
        {
            Console.Error.WriteLine("usage: DynamicCot.Bench.EngineCuda suggest CUDA_MODULE|- MODEL MMPROJ PHOTO_DIR THREADS");
            return 2;
        }
        var (module, model, mmproj, photoDir) = (args[0], args[1], args[2], args[3]);
        var threads = int.Parse(args[4], CultureInfo.InvariantCulture);
        var budgets = (Environment.GetEnvironmentVariable("BUDGETS") ?? "64 256 1024")
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(b => int.Parse(b, CultureInfo.InvariantCulture)).ToArray();
        var postCount = int.Parse(Environment.GetEnvironmentVariable("POSTS") ?? "10", CultureInfo.InvariantCulture);
        var photos = Directory.GetFiles(photoDir, "*.jpg").Order(StringComparer.Ordinal).ToArray();
        if (photos.Length == 0)
            throw new FileNotFoundException($"no .jpg photos in {photoDir}");
        var posts = Enumerable.Range(0, postCount)
            .Select(i => (Text: $"Photo post {i + 1}: a day out with friends, the light over the water and the streets we walked. #weekend",
                          Image: new ImageInput(File.ReadAllBytes(photos[i % photos.Length]), Path.GetFileName(photos[i % photos.Length]))))
            .ToArray();

        var runtime = LlamaBackend.Initialize();
        Console.WriteLine($"engine: {runtime.LibraryPath} ({runtime.Variant})");
        var cuda = module != "-";
        if (cuda)
            CudaModule.Register(runtime, module);
        var arm = cuda ? "cuda" : "cpu";
        var options = new SuggestionOptions { Thinking = ThinkingMode.Off, MaxTokens = 64 };

        foreach (var budget in budgets)
        {
            var load = Stopwatch.StartNew();
            await using var engine = KeyphraseEngine.Start(new KeyphraseEngineOptions
            {
                ModelPath = model, ProjectorPath = mmproj, GpuLayers = cuda ? -1 : 0, Threads = threads,
                MaxParallelSequences = Parallel, ImageMaxTokens = budget, ContextPerSequence = Math.Max(2048, budget + 512),
            });
            var loadSeconds = load.Elapsed.TotalSeconds;
            await engine.SuggestAsync(posts[0].Text, posts[0].Image, options); // warm-up

            var prompt = new List<double>();
            var perToken = new List<double>();
            var total = new List<double>();
            var promptTokens = 0;
            var generated = new List<double>();
            foreach (var (text, image) in posts)
            {
                var wall = Stopwatch.StartNew();
                var result = await engine.SuggestAsync(text, image, options);
                total.Add(wall.Elapsed.TotalMilliseconds);
                prompt.Add(result.PromptTime.TotalMilliseconds);
                perToken.Add(result.GenerationTime.TotalMilliseconds / Math.Max(1, result.GeneratedTokens));
                promptTokens = result.PromptTokens;
                generated.Add(result.GeneratedTokens);
            }
            var sequentialWall = total.Sum();

            var concurrent = Stopwatch.StartNew();
            using (var gate = new SemaphoreSlim(Parallel))
            {
                await Task.WhenAll(posts.Concat(posts).Select(async post =>
                {
                    await gate.WaitAsync();
                    try { await engine.SuggestAsync(post.Text, post.Image, options); }
                    finally { gate.Release(); }
                }));
            }
            var concurrentSeconds = concurrent.Elapsed.TotalSeconds;
            var concurrentPosts = posts.Length * 2;

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"RESULT suggest {arm} budget {budget}: load {loadSeconds:F1} s, prompt {promptTokens} tokens, p50 prompt+image {Median(prompt):F0} ms, " +
                $"p50 generation {Median(perToken):F2} ms/token over {Median(generated):F0} tokens ({AnswerTokens * Median(perToken):F0} ms for {AnswerTokens} tokens), " +
                $"p50 total {Median(total):F0} ms over {posts.Length} posts, sequential {posts.Length * 3600e3 / sequentialWall:F0} posts/h, " +
                $"{Parallel} at a time {concurrentPosts * 3600 / concurrentSeconds:F0} posts/h ({concurrentPosts} posts in {concurrentSeconds:F1} s)"));
        }
        return 0;
    }

    private static double Median(List<double> values)
    {
        var s = values.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
