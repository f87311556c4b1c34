using System.Text.Json.Nodes;

namespace DynamicCot.ModelFiles.HuggingFace;

/// <summary>
/// A token added on top of the BPE vocabulary (tokenizer.json <c>added_tokens</c>, tokenizer_config.json
/// <c>added_tokens_decoder</c>). Added tokens are matched in the raw text before pre-tokenization.
/// </summary>
public sealed record HfAddedToken(
    int Id,
    string Content,
    bool Special,
    bool Normalized = false,
    bool Lstrip = false,
    bool Rstrip = false,
    bool SingleWord = false)
{
    internal static HfAddedToken Parse(JsonObjectReader reader, int id) => new(
        id,
        reader.RequireString("content"),
        reader.OptionalBool("special") ?? false,
        reader.OptionalBool("normalized") ?? false,
        reader.OptionalBool("lstrip") ?? false,
        reader.OptionalBool("rstrip") ?? false,
        reader.OptionalBool("single_word") ?? false);

    /// <summary>Fields in the order tokenizer.json uses; <paramref name="withId"/> for <c>added_tokens</c> entries.</summary>
    internal JsonObject ToJson(bool withId)
    {
        var node = new JsonObject();
        if (withId)
            node["id"] = Id;
        node["content"] = Content;
        node["single_word"] = SingleWord;
        node["lstrip"] = Lstrip;
        node["rstrip"] = Rstrip;
        node["normalized"] = Normalized;
        node["special"] = Special;
        return node;
    }
}
