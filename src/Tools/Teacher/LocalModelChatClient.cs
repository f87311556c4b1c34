using System.Runtime.CompilerServices;
using DynamicCot.Inference.Generation;
using DynamicCot.Keyphrases.Suggestions;
using Microsoft.Extensions.AI;

namespace DynamicCot.Tools.Teacher;

/// <summary>
/// A local keyphrase model (any <see cref="IKeyphraseSuggester"/>: the project's engine over a GGUF model and its
/// projector) as an <see cref="IChatClient"/>, so a local teacher is asked exactly like a remote one.
/// </summary>
/// <remarks>
/// The model's prompt format is the engine's own: the task instruction is fixed when the engine starts (the teacher
/// instruction, see <see cref="LocalModelTeacher"/>), so system messages are not sent to it; the last user message's
/// text is the post and its first image part the post's image. Generation uses the engine's answer grammar with the
/// rationale capped, so a reply is always <c>&lt;think&gt;…&lt;/think&gt;&lt;answer&gt;…&lt;/answer&gt;</c>-shaped and cannot run
/// away. The reply's text is the model's raw output; its usage is the prompt and generated token counts.
/// </remarks>
public sealed class LocalModelChatClient(IKeyphraseSuggester model, string modelName, int maxRationaleTokens = 160) : IChatClient
{
    private readonly ChatClientMetadata _metadata = new("dynamiccot-local", null, modelName);

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var user = messages.LastOrDefault(m => m.Role == ChatRole.User)
            ?? throw new ArgumentException("The chat has no user message: nothing to ask the local model.");
        var image = user.Contents.OfType<DataContent>().FirstOrDefault(d => d.HasTopLevelMediaType("image"));
        var suggestion = new SuggestionOptions
        {
            Thinking = ThinkingMode.Capped,
            MaxThinkingTokens = maxRationaleTokens,
            MaxTokens = options?.MaxOutputTokens is { } max ? Math.Max(max, maxRationaleTokens + 16) : maxRationaleTokens + 96,
            MaxKeyphrases = 20,
            Sampling = new SamplingOptions { Temperature = options?.Temperature ?? 0f },
        };
        var result = await model.SuggestAsync(user.Text, image is null ? null : new ImageInput(image.Data, image.Name ?? "image"), suggestion, cancellationToken)
            .ConfigureAwait(false);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, result.RawOutput))
        {
            ModelId = modelName,
            FinishReason = ChatFinishReason.Stop,
            Usage = new UsageDetails
            {
                InputTokenCount = result.PromptTokens,
                OutputTokenCount = result.GeneratedTokens,
                TotalTokenCount = result.PromptTokens + result.GeneratedTokens,
            },
        };
    }

    /// <summary>The engine answers whole replies; they come as one update.</summary>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        foreach (var update in response.ToChatResponseUpdates())
            yield return update;
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
            return null;
        if (serviceType == typeof(ChatClientMetadata))
            return _metadata;
        return serviceType.IsInstanceOfType(this) ? this : serviceType.IsInstanceOfType(model) ? model : null;
    }

    /// <summary>The model is the caller's (or the teacher's) to dispose.</summary>
    public void Dispose()
    {
    }
}

/// <summary>A local GGUF vision-language model as teacher: the engine started with the teacher instruction, asked through <see cref="LocalModelChatClient"/>.</summary>
public static class LocalModelTeacher
{
    /// <param name="engineOptions">Model, projector, threads, parallel sequences…; its prompt instruction is replaced.</param>
    /// <param name="maxRationaleTokens">Cap on the rationale's tokens.</param>
    public static ChatClientTeacher Start(KeyphraseEngineOptions engineOptions, int maxRationaleTokens = 160)
    {
        ArgumentNullException.ThrowIfNull(engineOptions);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRationaleTokens, 8);
        var engine = KeyphraseEngine.Start(engineOptions with { Prompt = engineOptions.Prompt with { Instruction = TeacherPrompt.Instruction } });
        var name = Path.GetFileName(engineOptions.ModelPath);
        var client = new LocalModelChatClient(engine, name, maxRationaleTokens);
        return new ChatClientTeacher(client, $"local {name}", new ChatClientTeacherOptions { SendInstruction = false, ImageDetail = null }, owned: engine);
    }
}
