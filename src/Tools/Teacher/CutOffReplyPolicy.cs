using System.ClientModel.Primitives;

namespace DynamicCot.Tools.Teacher;

/// <summary>
/// Turns a 2xx reply with an empty body (a connection a proxy or server dropped after the status line) into an I/O
/// error inside the SDK's pipeline, so the retry policy re-sends it like any dropped connection instead of the
/// request failing later when the body is parsed. Runs once per try, after the transport has buffered the reply.
/// </summary>
internal sealed class CutOffReplyPolicy : PipelinePolicy
{
    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        ProcessNext(message, pipeline, currentIndex);
        Check(message);
    }

    public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        await ProcessNextAsync(message, pipeline, currentIndex).ConfigureAwait(false);
        Check(message);
    }

    private static void Check(PipelineMessage message)
    {
        if (message.Response is { IsError: false } response && response.Content.ToMemory().IsEmpty)
            throw new IOException($"HTTP {response.Status} with an empty body: the reply was cut off");
    }
}
