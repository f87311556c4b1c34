namespace DynamicCot.ModelFiles.Qwen;

/// <summary>Chat templates of Qwen3-VL checkpoints that the tokenizer files on hand do not carry.</summary>
public static class Qwen3VlChatTemplates
{
    /// <summary>
    /// The format of Qwen3-VL-*-Thinking's template (<c>Templates/qwen3-vl-thinking.jinja</c>, written for this project
    /// from the published checkpoints' behaviour; its header says where that is documented): the generation prompt
    /// opens <c>&lt;think&gt;\n</c>. <c>tiny --thinking</c> writes it so a tiny checkpoint is served and trained as a
    /// Thinking one.
    /// </summary>
    public static string Thinking { get; } = Read("qwen3-vl-thinking.jinja");

    private static string Read(string name)
    {
        using var stream = typeof(Qwen3VlChatTemplates).Assembly.GetManifestResourceStream($"DynamicCot.ModelFiles.Qwen.Templates.{name}")
            ?? throw new InvalidOperationException($"The chat template resource {name} is missing from the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
