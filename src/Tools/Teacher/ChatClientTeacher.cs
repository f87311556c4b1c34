using System.ClientModel;
using DynamicCot.Keyphrases.Prompting;
using Microsoft.Extensions.AI;

namespace DynamicCot.Tools.Teacher;

/// <summary>How a <see cref="ChatClientTeacher"/> words its requests.</summary>
public sealed record ChatClientTeacherOptions
{
    /// <summary>Most tokens the teacher may write per post.</summary>
    public int MaxOutputTokens { get; init; } = 300;

    /// <summary>0 keeps rationales as reproducible as the service allows.</summary>
    public float Temperature { get; init; }

    /// <summary>
    /// OpenAI's image detail level ("low": 85 tokens per image, cheapest; "high"; "auto"), sent with the image part;
    /// null leaves it out for servers that do not know it.
    /// </summary>
    public string? ImageDetail { get; init; } = "auto";

    /// <summary>
    /// Send the system message and the task instruction with each post (remote chat models). A local keyphrase model
    /// has the instruction in its own prompt format already, so it is sent only the post and its hashtags.
    /// </summary>
    public bool SendInstruction { get; init; } = true;

    internal void Validate()
    {
        if (MaxOutputTokens < 16)
            throw new ArgumentException($"The teacher's token limit must be at least 16, got {MaxOutputTokens}.");
        if (!float.IsFinite(Temperature) || Temperature < 0)
            throw new ArgumentException($"The temperature must be a non-negative number, got {Temperature}.");
        if (ImageDetail is not (null or "low" or "high" or "auto"))
            throw new ArgumentException($"The image detail must be low, high or auto, got '{ImageDetail}'.");
    }
}

/// <summary>
/// A teacher behind any <see cref="IChatClient"/>: an OpenAI-compatible endpoint (<see cref="OpenAiCompatibleTeacher"/>)
/// or a local GGUF model (<see cref="LocalModelChatClient"/>). The image goes as a data part (inline bytes, nothing
/// uploaded); the reply is parsed in the student's <c>&lt;think&gt;…&lt;/think&gt;&lt;answer&gt;…&lt;/answer&gt;</c> format.
/// </summary>
public sealed class ChatClientTeacher : ITeacherModel, IDisposable
{
    private readonly IChatClient _client;
    private readonly ChatClientTeacherOptions _options;
    private readonly IDisposable? _owned;

    /// <param name="description">Says which teacher this is in the run's summary.</param>
    /// <param name="owned">Disposed with the teacher (what the client runs on).</param>
    public ChatClientTeacher(IChatClient client, string description, ChatClientTeacherOptions? options = null, IDisposable? owned = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        _options = options ?? new ChatClientTeacherOptions();
        _options.Validate();
        _client = client;
        _owned = owned;
        Description = description;
    }

    public string Description { get; }

    /// <summary>
    /// How many sends a request that failed with a retryable error (429, 408, 500, 502–504, no response) has had: the
    /// client's retry policy gave up after its last attempt.
    /// </summary>
    internal int AttemptsWhenRetried { get; init; } = 1;

    public async Task<TeacherReply> AskAsync(TeacherRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var chatOptions = new ChatOptions { MaxOutputTokens = _options.MaxOutputTokens, Temperature = _options.Temperature };
        ChatResponse response;
        try
        {
            response = await _client.GetResponseAsync(Messages(request), chatOptions, cancellationToken).ConfigureAwait(false);
        }
        catch (ClientResultException e) when (e.Status is 401 or 403 or 404)
        {
            throw new TeacherConfigurationException(
                $"The teacher ({Description}) refused the request with HTTP {e.Status} (check the URL, the model name and the API key): {Snippet(e.Message)}");
        }
        catch (ClientResultException e)
        {
            // The SDK's retry policy has already retried what is worth retrying (429, 5xx, dropped connections).
            var what = e.Status == 0 ? "no response" : $"HTTP {e.Status}";
            var attempts = e.Status is 0 or 408 or 429 or 500 or 502 or 503 or 504 ? AttemptsWhenRetried : 1;
            throw new TeacherRequestException($"post \"{request.PostId}\": {what} after {attempts} attempt(s): {Snippet(e.Message)}", attempts, e);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // The SDK's retry loop collects one exception per failed send (timeouts, dropped connections).
            var last = e.InnerExceptions[^1];
            throw new TeacherRequestException(
                $"post \"{request.PostId}\": no answer after {e.InnerExceptions.Count} attempts; last: {last.GetType().Name}: {Snippet(last.Message)}",
                e.InnerExceptions.Count, e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or System.Text.Json.JsonException)
        {
            // Connection failures that outlived the retries, or a 2xx whose body is not a chat completion.
            throw new TeacherRequestException($"post \"{request.PostId}\": {e.GetType().Name}: {Snippet(e.Message)}", AttemptsWhenRetried, e);
        }
        var text = response.Text;
        var parsed = AnswerParser.Parse(text);
        var usage = response.Usage;
        return new TeacherReply(parsed.Rationale, parsed.Keyphrases,
            (int)(usage?.InputTokenCount ?? 0), (int)(usage?.OutputTokenCount ?? 0), text);
    }

    /// <summary>The chat the teacher is sent for one post.</summary>
    internal List<ChatMessage> Messages(TeacherRequest request)
    {
        var parts = new List<AIContent>();
        if (request.Image is { } image)
        {
            var data = new DataContent(image.Bytes, image.MediaType) { Name = image.Label };
            if (_options.ImageDetail is { } detail)
                data.AdditionalProperties = new AdditionalPropertiesDictionary { ["detail"] = detail };
            parts.Add(data);
        }
        parts.Add(new TextContent(_options.SendInstruction ? TeacherPrompt.UserText(request) : TeacherPrompt.PostWithHashtags(request)));
        var messages = new List<ChatMessage>();
        if (_options.SendInstruction)
            messages.Add(new ChatMessage(ChatRole.System, TeacherPrompt.SystemMessage));
        messages.Add(new ChatMessage(ChatRole.User, parts));
        return messages;
    }

    public void Dispose()
    {
        _client.Dispose();
        _owned?.Dispose();
    }

    private static string Snippet(string body)
    {
        var flat = body.ReplaceLineEndings(" ").Trim();
        return flat.Length <= 300 ? flat : flat[..300] + "…";
    }
}
