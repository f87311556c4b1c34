using System.Text.Json;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Keyphrases.Tests.Prompting;

/// <summary>A post of the vmu16_small_events fixture set (kept outside the repository).</summary>
internal sealed record RealPost(string Id, string TextRaw, string TextNoHashtags, string Image, IReadOnlyList<string> GoldHashtags, IReadOnlyList<string> GoldSegmented);

internal static class RealPosts
{
    private static readonly Lazy<IReadOnlyList<RealPost>> Loaded = new(Load);

    public static IReadOnlyList<RealPost> All => Loaded.Value;

    public static RealPost ById(string id) => All.Single(post => post.Id == id);

    private static IReadOnlyList<RealPost> Load() =>
        File.ReadLines(TestPaths.Data("vmu16_small_events", "data.jsonl"))
            .Where(line => line.Length > 0)
            .Select(line =>
            {
                using var json = JsonDocument.Parse(line);
                var root = json.RootElement;
                return new RealPost(
                    root.GetProperty("id").GetString()!,
                    root.GetProperty("text_raw").GetString()!,
                    root.GetProperty("text_no_hashtags").GetString()!,
                    root.GetProperty("image").GetString()!,
                    root.GetProperty("gold_hashtags_raw").EnumerateArray().Select(e => e.GetString()!).ToArray(),
                    root.GetProperty("gold_seg").EnumerateArray().Select(e => e.GetString()!).ToArray());
            })
            .ToArray();
}
