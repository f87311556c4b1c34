namespace DynamicCot.Tools.Teacher;

/// <summary>
/// What a teacher is asked: the post and its gold keyphrases, and to explain briefly how the post (image and text)
/// leads to them, answering in the student's target format <c>&lt;think&gt;…&lt;/think&gt;&lt;answer&gt;…&lt;/answer&gt;</c>.
/// </summary>
/// <remarks>
/// Showing the gold keyphrases is "rationalisation" (the teacher explains a known answer, as in Fine-tune-CoT's
/// teacher step): without them most rationales of a hard task would end in a wrong answer and be dropped. The teacher
/// still writes its own answer; the agreement check (<see cref="RationaleAgreement"/>) drops rationales whose answer
/// strays from the gold set, which catches teachers that ignore the hint or wander off.
/// </remarks>
public static class TeacherPrompt
{
    public const string SystemMessage =
        "You explain how social media posts lead to their hashtags. You answer in exactly this format: " +
        "<think>rationale</think><answer>keyphrase 1, keyphrase 2</answer>";

    /// <summary>The instruction that precedes the post.</summary>
    public const string Instruction =
        "The author of this post (image and text) tagged it with the hashtags listed after it. " +
        "In <think></think>, write a short rationale (two to four sentences, at most 80 words) that reasons from what " +
        "the image shows and what the text says to these hashtags, the way someone who had not seen them would reason. " +
        "Do not mention that the hashtags were given. Then, in <answer></answer>, list the hashtags as lowercase " +
        "keyphrases separated by commas (split joined words: #NepalEarthquake -> nepal earthquake).";

    /// <summary>The user message's text: the instruction, the post, and the gold keyphrases.</summary>
    public static string UserText(TeacherRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return $"{Instruction}\n\nPost: {request.Text}\n\nHashtags: {string.Join(", ", request.GoldKeyphrases)}";
    }

    /// <summary>The text a local model gets after its instruction (the engine's prompt adds the instruction itself).</summary>
    public static string PostWithHashtags(TeacherRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return $"{request.Text}\nHashtags: {string.Join(", ", request.GoldKeyphrases)}";
    }
}
