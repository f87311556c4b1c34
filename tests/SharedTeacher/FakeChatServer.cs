using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace DynamicCot.Tests.Shared;

/// <summary>What the fake endpoint does with one request.</summary>
internal sealed record FakeReply(int Status, string Body, IReadOnlyDictionary<string, string>? Headers = null, bool DropConnection = false)
{
    /// <summary>A chat completion whose content is <paramref name="content"/>, with token usage.</summary>
    public static FakeReply Completion(string content, int promptTokens = 100, int completionTokens = 20) => new(200, JsonSerializer.Serialize(new
    {
        id = "chatcmpl-test",
        @object = "chat.completion",
        choices = new[] { new { index = 0, message = new { role = "assistant", content }, finish_reason = "stop" } },
        usage = new { prompt_tokens = promptTokens, completion_tokens = completionTokens, total_tokens = promptTokens + completionTokens },
    }));
}

/// <summary>One request the fake endpoint received.</summary>
internal sealed record ReceivedRequest(int Index, JsonElement Body, string? Authorization)
{
    /// <summary>The user message's text (instruction, post, hashtags): its content string, or its text part.</summary>
    public string UserText => UserContent.ValueKind == JsonValueKind.String
        ? UserContent.GetString()!
        : UserParts().First(p => p.GetProperty("type").GetString() == "text").GetProperty("text").GetString()!;

    /// <summary>The data URL of the image part, or null.</summary>
    public string? ImageUrl => ImagePart?.GetProperty("url").GetString();

    /// <summary>The image part's detail level, or null when absent.</summary>
    public string? ImageDetail => ImagePart is { } part && part.TryGetProperty("detail", out var detail) ? detail.GetString() : null;

    private JsonElement? ImagePart => UserParts().Where(p => p.GetProperty("type").GetString() == "image_url")
        .Select(p => (JsonElement?)p.GetProperty("image_url")).FirstOrDefault();

    private JsonElement UserContent =>
        Body.GetProperty("messages").EnumerateArray().First(m => m.GetProperty("role").GetString() == "user").GetProperty("content");

    // A text-only message may come as a plain string rather than an array of parts.
    private IEnumerable<JsonElement> UserParts() =>
        UserContent.ValueKind == JsonValueKind.Array ? UserContent.EnumerateArray() : [];
}

/// <summary>
/// A real HTTP server on 127.0.0.1 (HttpListener) that answers like an OpenAI chat-completions endpoint, as the
/// test's script says: rate limits, server errors, dropped connections or completions.
/// </summary>
internal sealed class FakeChatServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<ReceivedRequest, FakeReply> _script;
    private readonly Task _loop;
    private int _count;

    public FakeChatServer(Func<ReceivedRequest, FakeReply> script)
    {
        _script = script;
        var port = FreePort();
        Url = $"http://127.0.0.1:{port}/v1";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    /// <summary>The base URL (ending in /v1) to give as --endpoint.</summary>
    public string Url { get; }

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    /// <summary>Requests answered with HTTP 200, by their user text.</summary>
    public ConcurrentDictionary<string, int> SuccessesByUserText { get; } = new();

    public ConcurrentBag<string> Paths { get; } = new();

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => Handle(context));
        }
    }

    private void Handle(HttpListenerContext context)
    {
        try
        {
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            using var document = JsonDocument.Parse(reader.ReadToEnd());
            var request = new ReceivedRequest(Interlocked.Increment(ref _count), document.RootElement.Clone(), context.Request.Headers["Authorization"]);
            Requests.Enqueue(request);
            Paths.Add(context.Request.Url!.AbsolutePath);
            FakeReply reply;
            try
            {
                reply = _script(request);
            }
            catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException or ArgumentException or FormatException)
            {
                // A request the test's script cannot read: answer 400 with why, rather than leave the client waiting.
                reply = new FakeReply(400, JsonSerializer.Serialize(new { error = new { message = $"fake server: {e.Message}" } }));
            }
            if (reply.DropConnection)
            {
                context.Response.Abort();
                return;
            }
            context.Response.StatusCode = reply.Status;
            context.Response.ContentType = "application/json";
            foreach (var (name, value) in reply.Headers ?? new Dictionary<string, string>())
                context.Response.AddHeader(name, value);
            var bytes = Encoding.UTF8.GetBytes(reply.Body);
            context.Response.ContentLength64 = bytes.Length;
            context.Response.OutputStream.Write(bytes);
            context.Response.OutputStream.Close();
            if (reply.Status == 200)
                SuccessesByUserText.AddOrUpdate(request.UserText, 1, (_, n) => n + 1);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client went away (cancelled run): nothing to answer.
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
