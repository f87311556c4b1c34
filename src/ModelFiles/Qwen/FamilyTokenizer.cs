using DynamicCot.ModelFiles.HuggingFace;

namespace DynamicCot.ModelFiles.Qwen;

/// <summary>
/// Imports a real Qwen tokenizer (<c>tokenizer.json</c> + <c>tokenizer_config.json</c>) for a checkpoint of one
/// family. Qwen2, Qwen2.5 and Qwen3 share the 151,643-token byte-level BPE and the first added tokens; newer releases
/// append more added tokens (Qwen3's <c>&lt;think&gt;</c>, …). Those past the family's own last id are cut from both
/// files, so the tokenizer is exactly the family's; the chat template and every other key are kept.
/// </summary>
public static class FamilyTokenizer
{
    /// <summary>Loads the tokenizer from <paramref name="path"/> (a folder, or its <c>tokenizer.json</c>) and cuts it to ids ≤ <paramref name="lastAddedTokenId"/>.</summary>
    /// <exception cref="HfFileFormatException">A file is missing or malformed, or the BPE vocabulary reaches into the added-token ids.</exception>
    public static HfTokenizer Import(string path, int lastAddedTokenId)
    {
        var directory = Directory.Exists(path) ? path : Path.GetDirectoryName(Path.GetFullPath(path))!;
        var tokenizer = HfTokenizer.Load(directory);
        var tokenizerFile = Path.Combine(directory, TokenizerJson.FileName);
        var largestBpeId = tokenizer.Model.Vocab.Count == 0 ? -1 : tokenizer.Model.Vocab.Values.Max();
        var firstAdded = tokenizer.Model.AddedTokens.Count == 0 ? int.MaxValue : tokenizer.Model.AddedTokens.Min(token => token.Id);
        if (largestBpeId > lastAddedTokenId || largestBpeId >= firstAdded)
            throw new HfFileFormatException(tokenizerFile, "model.vocab",
                $"the BPE vocabulary reaches id {largestBpeId}, past the family's last added token {lastAddedTokenId} or into the added tokens (first {firstAdded}); not a Qwen tokenizer");

        var model = tokenizer.Model with { AddedTokens = tokenizer.Model.AddedTokens.Where(token => token.Id <= lastAddedTokenId).ToArray() };
        var kept = model.AddedTokens.Select(token => token.Content).ToHashSet(StringComparer.Ordinal);
        var config = tokenizer.Config with
        {
            AddedTokensDecoder = tokenizer.Config.AddedTokensDecoder.Where(pair => pair.Key <= lastAddedTokenId).ToDictionary(),
            AdditionalSpecialTokens = tokenizer.Config.AdditionalSpecialTokens.Where(kept.Contains).ToArray(),
        };
        return new HfTokenizer(model, config, tokenizer.ChatTemplate);
    }
}
