using DynamicCot.Keyphrases.Engine;
using DynamicCot.Keyphrases.Prompting;
using DynamicCot.Keyphrases.Suggestions;

namespace DynamicCot.Keyphrases.Teacher;

/// <summary>
/// A local GGUF vision-language model as teacher, through <see cref="KeyphraseEngine"/> (batched, concurrent).
/// </summary>
/// <remarks>
/// The engine's prompt gets <see cref="TeacherPrompt.Instruction"/> in place of the student instruction, and the post
/// text carries the gold hashtags after it. Generation uses the engine's answer grammar with capped thinking, so the
/// output is always <c>&lt;think&gt;…&lt;/think&gt;&lt;answer&gt;…&lt;/answer&gt;</c>-shaped and the rationale cannot run
/// away; the grammar lets a model skip the think block, in which case the reply has no rationale and is dropped.
/// </remarks>
public sealed class LocalEngineTeacher : ITeacherModel, IAsyncDisposable
{
    private readonly KeyphraseEngine _engine;
    private readonly SuggestionOptions _suggestion;

    private LocalEngineTeacher(KeyphraseEngine engine, int maxRationaleTokens)
    {
        _engine = engine;
        _suggestion = new SuggestionOptions
        {
            Thinking = ThinkingMode.Capped,
            MaxThinkingTokens = maxRationaleTokens,
            MaxTokens = maxRationaleTokens + 96,
            MaxKeyphrases = 20,
        };
    }

    /// <summary>Loads the model with the teacher instruction.</summary>
    /// <param name="engineOptions">Model, projector, threads, parallel sequences…; its prompt instruction is replaced.</param>
    /// <param name="maxRationaleTokens">Cap on the rationale's tokens.</param>
    public static LocalEngineTeacher Start(KeyphraseEngineOptions engineOptions, int maxRationaleTokens = 160)
    {
        ArgumentNullException.ThrowIfNull(engineOptions);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRationaleTokens, 8);
        var engine = KeyphraseEngine.Start(engineOptions with { Prompt = engineOptions.Prompt with { Instruction = TeacherPrompt.Instruction } });
        return new LocalEngineTeacher(engine, maxRationaleTokens);
    }

    public string Description => $"local {Path.GetFileName(_engine.Options.ModelPath)}";

    public bool SupportsImages => _engine.SupportsImages;

    public async Task<TeacherReply> AskAsync(TeacherRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var image = request.Image is { } i ? new ImageInput(i.Bytes, i.Label) : null;
        var result = await _engine.SuggestAsync(TeacherPrompt.PostWithHashtags(request), image, _suggestion, cancellationToken).ConfigureAwait(false);
        var answer = AnswerParser.Parse(result.RawOutput).Keyphrases;
        return new TeacherReply(result.Rationale, answer, result.PromptTokens, result.GeneratedTokens, result.RawOutput);
    }

    public ValueTask DisposeAsync() => _engine.DisposeAsync();
}
