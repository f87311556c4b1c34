using TorchSharp;
using static TorchSharp.torch;

namespace DynamicCot.Finetune.Torch;

/// <summary>
/// Gradient checkpointing for a stack of blocks (decoder layers, vision blocks): <see cref="Run"/> computes a block
/// without recording its graph, so none of its intermediate activations stay alive until backward; only its input
/// (and the few context tensors it reads) are kept. When backward reaches the block, it runs the block again with the
/// graph recorded and differentiates that copy. TorchSharp 0.107 has no <c>torch.utils.checkpoint</c>; this uses its
/// custom autograd function (<see cref="autograd.SingleTensorFunction{T}"/>). The blocks have no dropout or other
/// randomness, so the recomputation is the same arithmetic and the gradients are those of the plain forward pass.
/// </summary>
public sealed class ActivationCheckpoint : IDisposable
{
    /// <summary>A block: its output for input <paramref name="x"/>; <paramref name="context"/> are tensors it reads but does not train (rotary tables, masks).</summary>
    public delegate Tensor Block(Tensor x, IReadOnlyList<Tensor> context);

    private readonly Lock _gate = new();
    private List<Tensor> _handedBack = new();

    /// <summary>
    /// The block's output, recorded as one autograd node whose backward recomputes the block. Gradients reach
    /// <paramref name="x"/> (when it requires them) and every tensor in <paramref name="trainable"/>, which must be all
    /// the tensors with <c>requires_grad</c> the block reads besides its input. Outside grad mode, or when nothing in
    /// the block needs a gradient, the block simply runs.
    /// </summary>
    public Tensor Run(Block block, Tensor x, IReadOnlyList<Tensor> context, IReadOnlyList<Tensor> trainable)
    {
        if (!is_grad_enabled() || (!x.requires_grad && trainable.Count == 0))
            return block(x, context);
        var call = new RecomputedBlock.Call(this, block, context.Count, x.requires_grad, trainable);
        return RecomputedBlock.apply([call, x, .. context, .. trainable]);
    }

    /// <summary>
    /// Gradients handed to LibTorch from a backward callback: it copies them as the callback returns, so their managed
    /// handles are released at the next callback (or on dispose) instead of living until the step's scope ends.
    /// </summary>
    private void HandBack(IEnumerable<Tensor> gradients)
    {
        lock (_gate)
            _handedBack.AddRange(gradients);
    }

    private void ReleaseHandedBack()
    {
        List<Tensor> released;
        lock (_gate)
        {
            released = _handedBack;
            _handedBack = new List<Tensor>();
        }
        foreach (var t in released) t.Dispose();
    }

    public void Dispose() => ReleaseHandedBack();

    /// <summary>
    /// The autograd function. TorchSharp keeps one instance per type, so everything a call needs travels in its
    /// <see cref="Call"/> argument (a non-tensor input, saved in the context). Inputs: call, x, context…, trainable….
    /// </summary>
    private sealed class RecomputedBlock : autograd.SingleTensorFunction<RecomputedBlock>
    {
        public sealed record Call(ActivationCheckpoint Owner, Block Block, int ContextCount, bool InputNeedsGradient, IReadOnlyList<Tensor> Trainable);

        private const string CallKey = "call";

        public override string Name => nameof(RecomputedBlock);

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var call = (Call)vars[0];
            var x = (Tensor)vars[1];
            var context = vars.Skip(2).Take(call.ContextCount).Cast<Tensor>().ToArray();
            // The input and the context are kept (as saved variables, alive even after their callers' scopes end).
            ctx.save_for_backward([x, .. context]);
            ctx.save_data(CallKey, call);
            using var scope = NewDisposeScope();
            return call.Block(x, context).MoveToOuterDisposeScope();
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
        {
            var call = (Call)ctx.get_data(CallKey);
            call.Owner.ReleaseHandedBack();
            var result = new List<Tensor>(2 + call.ContextCount + call.Trainable.Count) { null!, null! };
            using (var scope = NewDisposeScope())
            using (enable_grad(true))
            {
                var saved = ctx.get_saved_variables();
                var x = saved[0].detach().requires_grad_(call.InputNeedsGradient);
                var output = call.Block(x, saved.Skip(1).ToArray());
                Tensor[] inputs = call.InputNeedsGradient ? [x, .. call.Trainable] : [.. call.Trainable];
                var gradients = autograd.grad([output], inputs, [gradOutput]);
                foreach (var g in gradients) g.DetachFromDisposeScope();
                var next = 0;
                if (call.InputNeedsGradient)
                    result[1] = gradients[next++];
                for (var i = 0; i < call.ContextCount; i++)
                    result.Add(null!);
                for (var i = 0; i < call.Trainable.Count; i++)
                    result.Add(gradients[next++]);
                call.Owner.HandBack(gradients);
            }
            gradOutput.Dispose(); // LibTorch keeps its own reference; this one would otherwise live until the step's scope ends
            return result;
        }
    }
}
