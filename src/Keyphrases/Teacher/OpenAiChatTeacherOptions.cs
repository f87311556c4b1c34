namespace DynamicCot.Keyphrases.Teacher;

/// <summary>How to reach an OpenAI-compatible chat-completions endpoint.</summary>
public sealed record OpenAiChatTeacherOptions
{
    /// <summary>
    /// The chat-completions URL (<c>https://api.openai.com/v1/chat/completions</c>), or a base URL ending in
    /// <c>/v1</c>, to which <c>/chat/completions</c> is added.
    /// </summary>
    public required Uri Endpoint { get; init; }

    /// <summary>The model name the endpoint knows (e.g. <c>gpt-4o-2024-05-13</c>).</summary>
    public required string Model { get; init; }

    /// <summary>Sent as <c>Authorization: Bearer …</c>; null for local servers that need none.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Most tokens the teacher may write per post.</summary>
    public int MaxTokens { get; init; } = 300;

    /// <summary>0 keeps rationales as reproducible as the service allows.</summary>
    public double Temperature { get; init; }

    /// <summary>
    /// OpenAI's image detail level: "low" (85 tokens per image, cheapest), "high" or "auto"; null leaves it out for
    /// servers that do not know it.
    /// </summary>
    public string? ImageDetail { get; init; } = "auto";

    public RetryPolicy Retry { get; init; } = new();

    /// <summary>The URL requests go to.</summary>
    public Uri ChatCompletionsUrl => Endpoint.AbsolutePath.TrimEnd('/').EndsWith("/chat/completions", StringComparison.Ordinal)
        ? Endpoint
        : new Uri(Endpoint.AbsoluteUri.TrimEnd('/') + "/chat/completions");

    internal void Validate()
    {
        if (!Endpoint.IsAbsoluteUri || (Endpoint.Scheme != Uri.UriSchemeHttp && Endpoint.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"The endpoint must be an absolute http(s) URL, got '{Endpoint}'.");
        if (string.IsNullOrWhiteSpace(Model))
            throw new ArgumentException("The teacher model name is required.");
        if (MaxTokens < 16)
            throw new ArgumentException($"MaxTokens must be at least 16, got {MaxTokens}.");
        Retry.Validate();
    }
}
