using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using OpenAI;

namespace DynamicCot.Tools.Teacher;

/// <summary>How to reach an OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, llama.cpp's server, Ollama…).</summary>
public sealed record OpenAiEndpointOptions
{
    /// <summary>
    /// The API's base URL (<c>https://api.openai.com/v1</c>); a URL ending in <c>/chat/completions</c> is accepted too
    /// and cut back to its base.
    /// </summary>
    public required Uri Endpoint { get; init; }

    /// <summary>The model name the endpoint knows (e.g. <c>gpt-4o-2024-05-13</c>).</summary>
    public required string Model { get; init; }

    /// <summary>Sent as <c>Authorization: Bearer …</c>; null for local servers that need none (a placeholder is sent).</summary>
    public string? ApiKey { get; init; }

    public TeacherRetryOptions Retry { get; init; } = new();

    /// <summary>The base URL the SDK appends <c>/chat/completions</c> to.</summary>
    public Uri BaseUrl
    {
        get
        {
            var text = Endpoint.AbsoluteUri.TrimEnd('/');
            const string suffix = "/chat/completions";
            return new Uri(text.EndsWith(suffix, StringComparison.Ordinal) ? text[..^suffix.Length] : text);
        }
    }

    internal void Validate()
    {
        if (!Endpoint.IsAbsoluteUri || (Endpoint.Scheme != Uri.UriSchemeHttp && Endpoint.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"The endpoint must be an absolute http(s) URL, got '{Endpoint}'.");
        if (string.IsNullOrWhiteSpace(Model))
            throw new ArgumentException("The teacher model name is required.");
        Retry.Validate();
    }
}

/// <summary>
/// A remote teacher: the OpenAI SDK's chat client for a custom endpoint, as a <see cref="IChatClient"/>
/// (Microsoft.Extensions.AI.OpenAI), with the SDK's retry loop configured by <see cref="TeacherRetryOptions"/>.
/// </summary>
public sealed class OpenAiCompatibleTeacher : ITeacherModel, IDisposable
{
    /// <summary>Sent when no key is given: the SDK requires one, and keyless local servers ignore it.</summary>
    public const string NoKeyPlaceholder = "no-key";

    private readonly ChatClientTeacher _teacher;
    private readonly TeacherRetryPolicy _retry;

    public OpenAiCompatibleTeacher(OpenAiEndpointOptions endpoint, ChatClientTeacherOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        endpoint.Validate();
        _retry = new TeacherRetryPolicy(endpoint.Retry);
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = endpoint.BaseUrl,
            RetryPolicy = _retry,
            NetworkTimeout = endpoint.Retry.AttemptTimeout,
        };
        clientOptions.AddPolicy(new CutOffReplyPolicy(), PipelinePosition.PerTry);
        var key = new ApiKeyCredential(string.IsNullOrEmpty(endpoint.ApiKey) ? NoKeyPlaceholder : endpoint.ApiKey);
        var chat = new OpenAIClient(key, clientOptions).GetChatClient(endpoint.Model).AsIChatClient();
        _teacher = new ChatClientTeacher(chat, $"{endpoint.Model} at {endpoint.BaseUrl}", options)
        {
            AttemptsWhenRetried = endpoint.Retry.MaxAttempts,
        };
    }

    public string Description => _teacher.Description;

    /// <summary>HTTP requests sent so far, retries included.</summary>
    public long Attempts => _retry.Sends;

    /// <summary>Requests re-sent after a retryable failure.</summary>
    public long Retries => _retry.Retries;

    public Task<TeacherReply> AskAsync(TeacherRequest request, CancellationToken cancellationToken) => _teacher.AskAsync(request, cancellationToken);

    public void Dispose() => _teacher.Dispose();
}
