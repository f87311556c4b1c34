using DynamicCot.Plugin.Configuration;

namespace DynamicCot.Plugin.Tagging;

/// <summary>Combines an item's editor-entered tags with the model's suggestions per <see cref="TagMergePolicy"/>.</summary>
public static class TagMerger
{
    /// <returns>The tags to store, or null when the policy says to leave the item alone.</returns>
    public static IReadOnlyList<string>? Merge(IReadOnlyList<string> editorTags, IEnumerable<string> suggestions, TagMergePolicy policy)
    {
        var suggested = Distinct(suggestions);
        return policy switch
        {
            TagMergePolicy.Replace => suggested,
            TagMergePolicy.OnlyWhenEmpty => editorTags.Count == 0 ? suggested : null,
            _ => Distinct(editorTags.Concat(suggested)),
        };
    }

    // Tags compare case-insensitively, as Umbraco's tag tables do; the first spelling wins (the editor's).
    private static List<string> Distinct(IEnumerable<string> tags)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var result = new List<string>();
        foreach (var tag in tags.Select(t => t.Trim()))
            if (tag.Length > 0 && seen.Add(tag)) result.Add(tag);
        return result;
    }
}
