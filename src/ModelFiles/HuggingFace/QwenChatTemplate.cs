namespace DynamicCot.ModelFiles.HuggingFace;

/// <summary>
/// Qwen's special tokens and a ChatML chat template in the format Qwen2-VL uses: each message is
/// <c>&lt;|im_start|&gt;role\n…&lt;|im_end|&gt;\n</c>, an image part becomes
/// <c>&lt;|vision_start|&gt;&lt;|image_pad|&gt;&lt;|vision_end|&gt;</c>, a video part
/// <c>&lt;|vision_start|&gt;&lt;|video_pad|&gt;&lt;|vision_end|&gt;</c>, a default system message is inserted when the
/// conversation has none, and <c>add_generation_prompt</c> opens an assistant turn.
/// </summary>
public static class QwenChatTemplate
{
    public const string EndOfText = "<|endoftext|>";
    public const string ImStart = "<|im_start|>";
    public const string ImEnd = "<|im_end|>";
    public const string VisionStart = "<|vision_start|>";
    public const string VisionEnd = "<|vision_end|>";
    public const string VisionPad = "<|vision_pad|>";
    public const string ImagePad = "<|image_pad|>";
    public const string VideoPad = "<|video_pad|>";

    public const string ThinkStart = "<think>";
    public const string ThinkEnd = "</think>";

    /// <summary>Qwen3 adds these as plain (non-special) tokens: a Thinking model writes its reasoning between them.</summary>
    public static readonly IReadOnlyList<string> Qwen3ThinkTokens = [ThinkStart, ThinkEnd];

    /// <summary>Qwen2-VL's special tokens in their real relative order (ids follow the learned vocabulary).</summary>
    public static readonly IReadOnlyList<string> SpecialTokens =
        [EndOfText, ImStart, ImEnd, VisionStart, VisionEnd, VisionPad, ImagePad, VideoPad];

    /// <summary>
    /// The Jinja template (written for this project; same rendering format as Qwen2-VL's). It deliberately uses no
    /// whitespace control (<c>{%-</c>): the only whitespace in its literal text is the newlines ChatML needs.
    /// </summary>
    public const string Template =
        "{% set image_count = namespace(value=0) %}" +
        "{% set video_count = namespace(value=0) %}" +
        "{% for message in messages %}" +
        "{% if loop.first and message['role'] != 'system' %}" +
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n" +
        "{% endif %}" +
        "<|im_start|>{{ message['role'] }}\n" +
        "{% if message['content'] is string %}" +
        "{{ message['content'] }}" +
        "{% else %}" +
        "{% for part in message['content'] %}" +
        "{% if part['type'] == 'image' or 'image' in part or 'image_url' in part %}" +
        "{% set image_count.value = image_count.value + 1 %}" +
        "{% if add_vision_id is defined and add_vision_id %}Picture {{ image_count.value }}: {% endif %}" +
        "<|vision_start|><|image_pad|><|vision_end|>" +
        "{% elif part['type'] == 'video' or 'video' in part %}" +
        "{% set video_count.value = video_count.value + 1 %}" +
        "{% if add_vision_id is defined and add_vision_id %}Video {{ video_count.value }}: {% endif %}" +
        "<|vision_start|><|video_pad|><|vision_end|>" +
        "{% elif 'text' in part %}" +
        "{{ part['text'] }}" +
        "{% endif %}" +
        "{% endfor %}" +
        "{% endif %}" +
        "<|im_end|>\n" +
        "{% endfor %}" +
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";
}
