using DynamicCot.Finetune.Model;
using DynamicCot.Finetune.Torch;
using DynamicCot.Keyphrases.Prompting;
using DynamicCot.Llama;

namespace DynamicCot.Finetune.Training;

/// <summary>What a run trains.</summary>
public enum FineTuneMode
{
    /// <summary>Low-rank adapters on the chosen projections; the base weights stay frozen.</summary>
    Lora,
    /// <summary>Every language-model weight (embeddings, norms, projections, output), and every vision weight with <see cref="TrainingRunOptions.TrainVision"/>.</summary>
    Full,
}

/// <summary>How a LoRA run holds the frozen base's weight matrices.</summary>
public enum FrozenWeightFormat
{
    /// <summary>BF16: half the memory of F32 (a 2B base in ≈ 4.4 GB); each product upcasts one matrix at a time.</summary>
    Bf16,
    /// <summary>F32, as full fine-tuning holds every weight.</summary>
    Fp32,
}

public static class FrozenWeightFormats
{
    public static FrozenWeightFormat Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "bf16" or "bfloat16" => FrozenWeightFormat.Bf16,
        "fp32" or "f32" or "float32" => FrozenWeightFormat.Fp32,
        _ => throw new ArgumentException($"--frozen-weights '{text}': use bf16 or fp32."),
    };
}

/// <summary>Everything a training run needs; saved into the run folder and the checkpoints so a resume is exact.</summary>
public sealed record TrainingRunOptions
{
    /// <summary>The Hugging Face checkpoint directory the trainer loads (config.json + safetensors + tokenizer).</summary>
    public required string ModelPath { get; init; }
    /// <summary>
    /// The served form of the same checkpoint (language-model GGUF), used to tokenize exactly as the engine does; null:
    /// converted from <see cref="ModelPath"/> into RUN_DIR/base.
    /// </summary>
    public string? ServingModelPath { get; init; }
    /// <summary>The checkpoint's projector GGUF (image embeddings, frozen vision); null: converted into RUN_DIR/base.</summary>
    public string? ProjectorPath { get; init; }
    /// <summary>LoRA adapters (default) or every language-model weight.</summary>
    public FineTuneMode Mode { get; init; } = FineTuneMode.Lora;
    /// <summary><c>cpu</c>, or <c>cuda</c> with the CUDA build of LibTorch.</summary>
    public string Device { get; init; } = "cpu";
    public required string DataPath { get; init; }
    public required string OutputDirectory { get; init; }
    public TrainingStrategy Strategy { get; init; } = TrainingStrategy.Dynamic;
    public int Epochs { get; init; } = 5;
    /// <summary>Peak learning rate (the paper uses 5e-5 for full fine-tuning; LoRA usually wants more).</summary>
    public float LearningRate { get; init; } = 1e-4f;
    /// <summary>Linear warm-up length as a share of all optimizer steps.</summary>
    public double WarmupRatio { get; init; } = 0.03;
    /// <summary>The cosine schedule ends at this share of the peak rate.</summary>
    public double MinLearningRateRatio { get; init; } = 0.1;
    public float WeightDecay { get; init; } = 0.01f;
    /// <summary>Sequences packed into one forward/backward pass.</summary>
    public int BatchSize { get; init; } = 4;
    /// <summary>Passes accumulated into one optimizer step.</summary>
    public int GradientAccumulation { get; init; } = 1;
    /// <summary>Global gradient-norm clip (0: off).</summary>
    public double MaxGradientNorm { get; init; } = 1.0;
    public LoraOptions Lora { get; init; } = new();
    /// <summary>
    /// Train the vision tower too: each image goes through the TorchSharp tower inside the forward pass (LoRA on its
    /// block projections, or every vision weight with <see cref="FineTuneMode.Full"/>). Off: the tower is frozen and
    /// its embeddings come from mtmd, cached.
    /// </summary>
    public bool TrainVision { get; init; }
    /// <summary>
    /// Keep only each decoder layer's (and trained vision block's) input during the forward pass and recompute the layer
    /// in backward: less activation memory for about one more forward pass per step. Gradients are unchanged.
    /// </summary>
    public bool GradientCheckpointing { get; init; }
    /// <summary>F32 throughout, or BF16 matrix products with F32 weights, optimizer state and loss (see <see cref="MatmulPrecision"/>).</summary>
    public MatmulPrecision Precision { get; init; } = MatmulPrecision.Fp32;
    /// <summary>
    /// LoRA runs: the frozen base's weight matrices in BF16 (default; checkpoints ship in BF16, so nothing is lost
    /// reading them) or F32. Norms, biases, adapters, gradients and optimizer state stay F32; full fine-tuning holds
    /// every weight in F32 whatever this says.
    /// </summary>
    public FrozenWeightFormat FrozenWeights { get; init; } = FrozenWeightFormat.Bf16;
    public ulong Seed { get; init; } = 42;
    /// <summary>Save a checkpoint every this many optimizer steps (0: only at the end of each epoch).</summary>
    public int CheckpointEvery { get; init; } = 50;
    /// <summary>Dynamic CoT threshold γ on the per-sample SFT loss (0.4 in the paper).</summary>
    public double Gamma { get; init; } = 0.4;
    public LossRefresh Refresh { get; init; } = LossRefresh.Epoch;
    /// <summary>Train on CoT when L_sft ≥ γ instead of &lt; γ.</summary>
    public bool InvertComparison { get; init; }
    public RmsNormEpsilon RmsEpsilon { get; init; } = RmsNormEpsilon.Serving;
    public int Threads { get; init; } = LlamaThreads.Default;
    public int ImageMaxTokens { get; init; } = ImageTokenBudget.TrainingDefault;
    /// <summary>Longer sequences (prompt + target) are skipped and reported.</summary>
    public int MaxSequenceTokens { get; init; } = 2048;
    /// <summary>Where image embeddings are cached (default: RUN_DIR/embeddings).</summary>
    public string? EmbeddingCacheDirectory { get; init; }

    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"--epochs must be at least 1, got {Epochs}.");
        if (LearningRate is <= 0 or > 1) throw new ArgumentException($"--lr must be in (0, 1], got {LearningRate}.");
        if (BatchSize < 1) throw new ArgumentException($"--batch-size must be at least 1, got {BatchSize}.");
        if (GradientAccumulation < 1) throw new ArgumentException($"--grad-accum must be at least 1, got {GradientAccumulation}.");
        if (WarmupRatio is < 0 or >= 1) throw new ArgumentException($"--warmup must be in [0, 1), got {WarmupRatio}.");
        if (Gamma < 0) throw new ArgumentException($"--gamma must not be negative, got {Gamma}.");
        ImageTokenBudget.Validate(ImageMaxTokens, "--image-max-tokens");
        if (!Directory.Exists(ModelPath))
            throw new DirectoryNotFoundException(File.Exists(ModelPath)
                ? $"--model '{ModelPath}' is a file; the trainer needs the Hugging Face checkpoint directory (config.json + *.safetensors)."
                : $"The model directory '{ModelPath}' does not exist.");
        if (!File.Exists(Path.Combine(ModelPath, "config.json")))
            throw new FileNotFoundException($"{ModelPath}: no config.json (not a Hugging Face checkpoint directory).", Path.Combine(ModelPath, "config.json"));
        if (ServingModelPath is not null && !File.Exists(ServingModelPath)) throw new FileNotFoundException($"The GGUF '{ServingModelPath}' does not exist.", ServingModelPath);
        if (Device.Trim().ToLowerInvariant() is not ("cpu" or "cuda")) throw new ArgumentException($"--device '{Device}': use cpu or cuda.");
        if (!Enum.IsDefined(Precision)) throw new ArgumentException($"--precision {(int)Precision}: use fp32 or bf16.");
        if (!Enum.IsDefined(FrozenWeights)) throw new ArgumentException($"--frozen-weights {(int)FrozenWeights}: use bf16 or fp32.");
        if (ProjectorPath is not null && !File.Exists(ProjectorPath)) throw new FileNotFoundException($"The mmproj '{ProjectorPath}' does not exist.", ProjectorPath);
        if (!File.Exists(DataPath)) throw new FileNotFoundException($"The dataset '{DataPath}' does not exist.", DataPath);
        Lora.Validate();
    }

    /// <summary>The RMSNorm epsilon to train with: 0 (as the served engine runs qwen2vl) or the checkpoint's (null).</summary>
    public float? RmsEpsilonValue() => RmsEpsilon == RmsNormEpsilon.Serving ? 0f : null;
}
