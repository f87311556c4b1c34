using DynamicCot.Gguf;
using DynamicCot.Keyphrases.Prompting;

namespace DynamicCot.Inference.Generation;

/// <summary>
/// Whether a language model is a Thinking checkpoint: as `convert` recorded it (<see cref="ChatTemplateThinking.MetadataKey"/>),
/// else as its embedded chat template (<c>tokenizer.chat_template</c>, which llama.cpp's converter writes too) tells.
/// </summary>
public static class RecordedThinkingFormat
{
    /// <summary>The format to serve <paramref name="modelPath"/> with; the project's markers when the file says nothing.</summary>
    public static ThinkingFormat Read(string modelPath)
    {
        GgufFile file;
        try
        {
            file = GgufFile.Open(modelPath);
        }
        catch (Exception e) when (e is GgufFormatException or IOException or UnauthorizedAccessException)
        {
            return ThinkingFormat.Markers; // the loader reports what is wrong with the file
        }
        using (file)
        {
            if (file.Metadata.TryGetBool(ChatTemplateThinking.MetadataKey, out var thinking))
                return thinking ? ThinkingFormat.ThinkingCheckpoint : ThinkingFormat.Markers;
            return file.Metadata.TryGetString("tokenizer.chat_template", out var template)
                ? ChatTemplateThinking.FormatOf(template)
                : ThinkingFormat.Markers;
        }
    }
}
