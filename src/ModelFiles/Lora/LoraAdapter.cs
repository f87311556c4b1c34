namespace DynamicCot.ModelFiles.Lora;

/// <summary>Provenance kept in the adapter file; every field is optional.</summary>
public sealed record LoraAdapterInfo
{
    /// <summary><c>general.name</c> of the adapter.</summary>
    public string? Name { get; init; }

    /// <summary><c>general.name</c> (or file name) of the base model it was trained on.</summary>
    public string? BaseModelName { get; init; }

    /// <summary>Lower-case hex SHA-256 of the base model GGUF, so a merge or a serve can check it got the right base.</summary>
    public string? BaseModelSha256 { get; init; }

    /// <summary>Free-form description of the training run (JSON by convention: strategy, epochs, data, git commit).</summary>
    public string? TrainingRun { get; init; }
}

/// <summary>
/// A LoRA adapter for one model architecture: per target weight an A/B pair (see <see cref="LoraTensorPair"/>), one
/// <see cref="Alpha"/> for all of them, as llama.cpp reads it. The effective update of a target is
/// <c>scale·(alpha/r)·B·A</c>, where <c>r</c> is that target's rank; llama.cpp uses <c>scale·B·A</c> when alpha is 0.
/// </summary>
public sealed class LoraAdapter
{
    private readonly Dictionary<string, LoraTensorPair> _pairs = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    public LoraAdapter(string architecture, float alpha, LoraAdapterInfo? info = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(architecture);
        if (!float.IsFinite(alpha) || alpha < 0)
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "LoRA alpha must be finite and not negative");
        Architecture = architecture;
        Alpha = alpha;
        Info = info ?? new LoraAdapterInfo();
    }

    /// <summary>The language model's <c>general.architecture</c> (e.g. <c>qwen2vl</c>).</summary>
    public string Architecture { get; }

    public float Alpha { get; }

    public LoraAdapterInfo Info { get; init; }

    /// <summary>Pairs in insertion order (the order they are written in).</summary>
    public IReadOnlyList<LoraTensorPair> Pairs => _order.Select(name => _pairs[name]).ToArray();

    public IReadOnlyCollection<string> TargetNames => _order;

    public int Count => _order.Count;

    public LoraTensorPair this[string baseName] => _pairs.TryGetValue(baseName, out var pair)
        ? pair
        : throw new KeyNotFoundException($"the adapter has no LoRA pair for '{baseName}'");

    public bool TryGet(string baseName, out LoraTensorPair pair) => _pairs.TryGetValue(baseName, out pair!);

    /// <summary>Adds a pair; a base weight can have only one.</summary>
    public LoraAdapter Add(LoraTensorPair pair)
    {
        ArgumentNullException.ThrowIfNull(pair);
        if (!_pairs.TryAdd(pair.BaseName, pair))
            throw new ArgumentException($"the adapter already has a LoRA pair for '{pair.BaseName}'", nameof(pair));
        _order.Add(pair.BaseName);
        return this;
    }

    /// <summary>The factor llama.cpp multiplies <c>B·A</c> by for <paramref name="pair"/> at adapter scale <paramref name="scale"/>.</summary>
    public float EffectiveScale(LoraTensorPair pair, float scale = 1f) => Alpha == 0 ? scale : scale * Alpha / pair.Rank;
}
