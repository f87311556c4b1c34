namespace DynamicCot.Inference.Images;

/// <summary>Colour that transparent pixels are flattened onto.</summary>
public enum AlphaBackground
{
    /// <summary>
    /// White (the default): transparent uploads are mostly logos, stickers and screenshots made for light web
    /// pages; on black, dark text and line art in them would vanish.
    /// </summary>
    White,
    Black,
}

/// <summary>How strict the decoder is with damaged files (libvips <c>fail_on</c>).</summary>
public enum DamageTolerance
{
    /// <summary>Refuse truncated files and files the codec reports as erroneous (libvips <c>fail_on=error</c>).</summary>
    FailOnError,
    /// <summary>Refuse only truncated files (libvips <c>fail_on=truncated</c>).</summary>
    FailOnTruncated,
}

/// <summary>Limits and output size of <see cref="ImageDecoder"/>.</summary>
public sealed record ImageDecoderOptions
{
    /// <summary>Default of <see cref="MaxInputBytes"/> (and of the plugin's <c>MaxImageBytes</c>): 20 MiB.</summary>
    public const long DefaultMaxInputBytes = 20L * 1024 * 1024;

    /// <summary>Inputs are held in one array, so at most 2 GiB.</summary>
    public const long MaxInputBytesLimit = int.MaxValue;

    /// <summary>Largest encoded input accepted. Default 20 MiB.</summary>
    public long MaxInputBytes { get; init; } = DefaultMaxInputBytes;

    /// <summary>
    /// Largest width × height the header may declare (one frame). Default 100 megapixels: above any phone camera
    /// in common use (an 8000×6000 photo is 48), far below the 10 gigapixels a crafted 50-byte PNG can claim.
    /// </summary>
    public long MaxInputPixels { get; init; } = 100_000_000;

    /// <summary>
    /// Longest side of the decoded image; larger images shrink on load, smaller ones are never enlarged.
    /// Default 1344 (48 Qwen2-VL patches of 28 px).
    /// </summary>
    public int MaxSide { get; init; } = 1344;

    /// <summary>
    /// Pixel budget of the decoded image, applied together with <see cref="MaxSide"/>. Default 1280 × 28 × 28
    /// (= 1,003,520), the <c>max_pixels</c> usually used with Qwen2-VL: 1280 visual tokens at most.
    /// </summary>
    public long MaxOutputPixels { get; init; } = 1280L * 28 * 28;

    public AlphaBackground Background { get; init; } = AlphaBackground.White;

    public DamageTolerance DamageTolerance { get; init; } = DamageTolerance.FailOnError;

    /// <summary>Decodes allowed to run at once (each holds its decoded pixels). Default: the number of processors.</summary>
    public int MaxConcurrentDecodes { get; init; } = LlamaThreads.Default;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInputBytes, 1, nameof(MaxInputBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInputPixels, 1, nameof(MaxInputPixels));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSide, 1, nameof(MaxSide));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxOutputPixels, 1, nameof(MaxOutputPixels));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConcurrentDecodes, 1, nameof(MaxConcurrentDecodes));
        if (MaxInputBytes > MaxInputBytesLimit)
            throw new ArgumentOutOfRangeException(nameof(MaxInputBytes), "Inputs are held in one array, so at most 2 GiB.");
    }
}
