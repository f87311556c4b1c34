using System.Text;
using DynamicCot.Keyphrases.Prompting;
using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Inference.Llama;
using DynamicCot.Llama.Native;

namespace DynamicCot.Inference.Generation;

/// <summary>One running generation: its sequence in the shared context, sampler, and what it has produced.</summary>
internal sealed class SequenceState(GenerationRequest request, LlamaSeqId sequence, SamplerChain sampler, int nextPosition, int promptTokens, TimeSpan promptTime,
    ThinkingFormat thinkingFormat = ThinkingFormat.Markers)
{
    private readonly List<byte> _textBytes = new();

    public GenerationRequest Request { get; } = request;
    public LlamaSeqId Sequence { get; } = sequence;
    public SamplerChain Sampler { get; private set; } = sampler;

    /// <summary>Swaps in another sampler (and disposes this one), e.g. one whose grammar starts after forced text.</summary>
    public void ReplaceSampler(SamplerChain next)
    {
        var old = Sampler;
        Sampler = next;
        old.Dispose();
    }
    public int NextPosition { get; set; } = nextPosition;
    public int PromptTokens { get; } = promptTokens;
    public TimeSpan PromptTime { get; } = promptTime;
    public System.Diagnostics.Stopwatch GenerationClock { get; } = System.Diagnostics.Stopwatch.StartNew();

    public List<LlamaToken> Tokens { get; } = new();
    public List<byte[]> Pieces { get; } = new();
    public List<double> Probabilities { get; } = new();

    /// <summary>Tokens to feed at the next decode (the last sampled token, or forced closing text).</summary>
    public Queue<LlamaToken> PendingInput { get; } = new();

    /// <summary>Row of this sequence's last input in the current batch (where its logits are).</summary>
    public int LogitsRow { get; set; } = -1;

    public int ThinkingTokens { get; set; }

    public bool Finished { get; set; }

    public string Text => Encoding.UTF8.GetString(_textBytes.ToArray());

    public void Append(LlamaToken token, byte[] piece, double probability)
    {
        Tokens.Add(token);
        Pieces.Add(piece);
        Probabilities.Add(probability);
        _textBytes.AddRange(piece);
    }

    public bool IsThinking
    {
        get
        {
            var text = Text;
            // A Thinking checkpoint's prompt opened the block (unless thinking is off): it reasons until "</think>".
            var opened = thinkingFormat == ThinkingFormat.ThinkingCheckpoint
                ? Request.Options.Thinking != ThinkingMode.Off
                : text.StartsWith("<think>", StringComparison.Ordinal);
            return opened && !text.Contains("</think>", StringComparison.Ordinal);
        }
    }

    public bool AnswerClosed => Text.Contains("</answer>", StringComparison.Ordinal);

    public GenerationOutcome ToOutcome() =>
        new(Tokens.ToArray(), Pieces.ToArray(), Probabilities.ToArray(), Text, PromptTokens, PromptTime, GenerationClock.Elapsed);

    public bool ReachedLimit => Tokens.Count >= Request.Options.MaxTokens;

    public bool CapReached => Request.Options.Thinking == ThinkingMode.Capped && IsThinking && ThinkingTokens >= Request.Options.MaxThinkingTokens;
}
