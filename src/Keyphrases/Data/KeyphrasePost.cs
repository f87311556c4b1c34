namespace DynamicCot.Keyphrases.Data;

/// <summary>
/// One post of a keyphrase dataset (one JSONL line): its text, an optional image, the gold keyphrases
/// (editors' hashtags), and optionally a teacher's rationale and the split it belongs to.
/// </summary>
/// <param name="Id">Unique within the file; predictions refer to posts by it.</param>
/// <param name="Text">The post's text; may be empty only when there is an image.</param>
/// <param name="Image">Path of the image relative to the JSONL file's folder (forward slashes), or null.</param>
/// <param name="Keyphrases">Gold keyphrases; empty for unlabelled posts.</param>
/// <param name="Rationale">A teacher's reasoning that leads to the gold keyphrases, or null.</param>
/// <param name="Split">"train", "valid", "test" or another name the user chose, or null.</param>
public sealed record KeyphrasePost(
    string Id,
    string Text,
    string? Image,
    IReadOnlyList<string> Keyphrases,
    string? Rationale = null,
    string? Split = null);
