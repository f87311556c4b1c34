namespace DynamicCot.ModelFiles.Qwen;

/// <summary>
/// A seeded generator whose sequence is fixed by this code alone (SplitMix64 + Box–Muller), so a tiny model made
/// with a given seed is byte-identical on every machine and runtime version — System.Random makes no such promise.
/// </summary>
public sealed class DeterministicRandom(ulong seed)
{
    private ulong _state = seed;
    private double? _spare;

    public ulong NextUInt64()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Standard normal.</summary>
    public double NextGaussian()
    {
        if (_spare is { } spare)
        {
            _spare = null;
            return spare;
        }
        double u, v, s;
        do
        {
            u = 2 * NextDouble() - 1;
            v = 2 * NextDouble() - 1;
            s = u * u + v * v;
        } while (s is >= 1 or 0);
        var factor = Math.Sqrt(-2 * Math.Log(s) / s);
        _spare = v * factor;
        return u * factor;
    }

    /// <summary>Fills <paramref name="destination"/> with N(mean, std²).</summary>
    public void FillGaussian(Span<float> destination, float mean, float std)
    {
        for (var i = 0; i < destination.Length; i++)
            destination[i] = (float)(mean + std * NextGaussian());
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with uniform values of the given mean and standard deviation
    /// (U(mean − √3·std, mean + √3·std)); two values per 64 random bits, ~10× faster than <see cref="FillGaussian"/>,
    /// for checkpoints of billions of parameters.
    /// </summary>
    public void FillUniform(Span<float> destination, float mean, float std)
    {
        var halfWidth = std * MathF.Sqrt(3f);
        var scale = 2f * halfWidth / 4294967296f;
        var i = 0;
        for (; i + 1 < destination.Length; i += 2)
        {
            var bits = NextUInt64();
            destination[i] = mean - halfWidth + (uint)bits * scale;
            destination[i + 1] = mean - halfWidth + (uint)(bits >> 32) * scale;
        }
        if (i < destination.Length)
            destination[i] = mean - halfWidth + (uint)NextUInt64() * scale;
    }

    /// <summary>A generator for one named tensor, independent of the order tensors are generated in.</summary>
    public static DeterministicRandom ForTensor(ulong seed, string name)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in name)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }
        return new DeterministicRandom(seed ^ hash);
    }
}
