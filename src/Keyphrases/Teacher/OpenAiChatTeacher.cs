using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using DynamicCot.Keyphrases.Prompting;

namespace DynamicCot.Keyphrases.Teacher;

/// <summary>
/// A teacher behind any OpenAI-compatible chat-completions endpoint (OpenAI, Azure-style proxies, vLLM, llama.cpp's
/// server, Ollama…). The image goes inline as a base64 data URL in an <c>image_url</c> content part, so no file has
/// to be uploaded anywhere. Failed sends are retried per <see cref="RetryPolicy"/>.
/// </summary>
public sealed class OpenAiChatTeacher : ITeacherModel, IDisposable
{
    private readonly OpenAiChatTeacherOptions _options;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private long _attempts;
    private long _retries;

    /// <param name="http">A client to share (its Timeout is not used: each attempt has its own); null makes one.</param>
    public OpenAiChatTeacher(OpenAiChatTeacherOptions options, HttpClient? http = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _ownsHttp = http is null;
        _http = http ?? new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
    }

    public string Description => $"{_options.Model} at {_options.ChatCompletionsUrl.GetLeftPart(UriPartial.Path)}";

    /// <summary>HTTP requests sent so far, retries included.</summary>
    public long Attempts => Interlocked.Read(ref _attempts);

    /// <summary>Requests re-sent after a retryable failure.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    public async Task<TeacherReply> AskAsync(TeacherRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = RequestBody(request);
        var retry = _options.Retry;
        string lastProblem = "";
        for (var attempt = 1; ; attempt++)
        {
            TimeSpan wait;
            Interlocked.Increment(ref _attempts);
            using (var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                attemptTimeout.CancelAfter(retry.AttemptTimeout);
                try
                {
                    using var message = new HttpRequestMessage(HttpMethod.Post, _options.ChatCompletionsUrl)
                    {
                        Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
                    };
                    if (_options.ApiKey is { Length: > 0 } key)
                        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                    using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, attemptTimeout.Token).ConfigureAwait(false);
                    var text = await response.Content.ReadAsStringAsync(attemptTimeout.Token).ConfigureAwait(false);
                    if (response.IsSuccessStatusCode)
                    {
                        if (TryParseReply(text, out var reply, out var problem))
                            return reply;
                        // A 2xx with a body that is not a chat completion comes from a broken proxy or a cut
                        // connection more often than from the model; a retry usually gets a real answer.
                        lastProblem = $"HTTP {(int)response.StatusCode} with an unreadable body ({problem})";
                        wait = retry.Backoff(attempt);
                    }
                    else if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound)
                    {
                        throw new TeacherConfigurationException(
                            $"The teacher endpoint {_options.ChatCompletionsUrl} refused the request with HTTP {(int)response.StatusCode} " +
                            $"(check the URL, the model name '{_options.Model}' and the API key): {Snippet(text)}");
                    }
                    else if (RetryPolicy.IsRetryable(response.StatusCode))
                    {
                        lastProblem = $"HTTP {(int)response.StatusCode}: {Snippet(text)}";
                        wait = retry.Backoff(attempt, response.Headers);
                    }
                    else
                    {
                        throw new TeacherRequestException($"post \"{request.PostId}\": HTTP {(int)response.StatusCode}: {Snippet(text)}", attempt);
                    }
                }
                catch (HttpRequestException e)
                {
                    // Refused or dropped connection, DNS failure, a response cut short.
                    lastProblem = $"connection failed: {e.Message}";
                    wait = retry.Backoff(attempt);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    lastProblem = $"no response within {retry.AttemptTimeout.TotalSeconds:0.#} s";
                    wait = retry.Backoff(attempt);
                }
            }
            if (attempt >= retry.MaxAttempts)
                throw new TeacherRequestException($"post \"{request.PostId}\": gave up after {attempt} attempts; last: {lastProblem}", attempt);
            Interlocked.Increment(ref _retries);
            await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        if (_ownsHttp)
            _http.Dispose();
    }

    private byte[] RequestBody(TeacherRequest request)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("model", _options.Model);
            json.WriteNumber("max_tokens", _options.MaxTokens);
            json.WriteNumber("temperature", _options.Temperature);
            json.WriteStartArray("messages");

            json.WriteStartObject();
            json.WriteString("role", "system");
            json.WriteString("content", TeacherPrompt.SystemMessage);
            json.WriteEndObject();

            json.WriteStartObject();
            json.WriteString("role", "user");
            json.WriteStartArray("content");
            if (request.Image is { } image)
            {
                json.WriteStartObject();
                json.WriteString("type", "image_url");
                json.WriteStartObject("image_url");
                json.WriteString("url", $"data:{image.MediaType};base64,{Convert.ToBase64String(image.Bytes.Span)}");
                if (_options.ImageDetail is { } detail)
                    json.WriteString("detail", detail);
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteStartObject();
            json.WriteString("type", "text");
            json.WriteString("text", TeacherPrompt.UserText(request));
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();

            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static bool TryParseReply(string body, out TeacherReply reply, out string problem)
    {
        reply = null!;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (!root.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0)
            {
                problem = "no \"choices\"";
                return false;
            }
            if (!choices[0].TryGetProperty("message", out var message) || !message.TryGetProperty("content", out var content))
            {
                problem = "no \"choices[0].message.content\"";
                return false;
            }
            var text = ContentText(content);
            int promptTokens = 0, completionTokens = 0;
            if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                promptTokens = IntOrZero(usage, "prompt_tokens");
                completionTokens = IntOrZero(usage, "completion_tokens");
            }
            var parsed = AnswerParser.Parse(text);
            reply = new TeacherReply(parsed.Rationale, parsed.Keyphrases, promptTokens, completionTokens, text);
            problem = "";
            return true;
        }
        catch (JsonException e)
        {
            problem = e.Message;
            return false;
        }
    }

    /// <summary>Content is a string, or (some servers) an array of parts whose text parts are joined.</summary>
    private static string ContentText(JsonElement content) => content.ValueKind switch
    {
        JsonValueKind.String => content.GetString()!,
        JsonValueKind.Array => string.Concat(content.EnumerateArray()
            .Where(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
            .Select(p => p.GetProperty("text").GetString())),
        _ => "",
    };

    private static int IntOrZero(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number : 0;

    private static string Snippet(string body)
    {
        var flat = body.ReplaceLineEndings(" ").Trim();
        return flat.Length <= 300 ? flat : flat[..300] + "…";
    }
}
