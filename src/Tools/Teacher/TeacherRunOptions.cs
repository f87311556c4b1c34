namespace DynamicCot.Tools.Teacher;

/// <summary>How a teacher run asks, keeps and records.</summary>
public sealed record TeacherRunOptions
{
    /// <summary>The dataset (JSONL) to add rationales to.</summary>
    public required string DataPath { get; init; }

    /// <summary>The dataset to write: every input post, with <c>rationale</c> set where a rationale was kept.</summary>
    public required string OutputPath { get; init; }

    /// <summary>The append-only journal of replies; default: next to the output, <c>NAME.teacher-log.jsonl</c>.</summary>
    public string? JournalPath { get; init; }

    /// <summary>Requests in flight at once.</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>Least F1 of the teacher's answer against the gold set for its rationale to be kept.</summary>
    public double MinAgreement { get; init; } = 0.5;

    /// <summary>Keep every rationale regardless of agreement.</summary>
    public bool KeepAll { get; init; }

    /// <summary>Most posts to send in this run (the rest wait for a later run); null for all.</summary>
    public int? Limit { get; init; }

    /// <summary>Dollars per million prompt (input) tokens, for the cost estimate.</summary>
    public decimal PricePerMillionInput { get; init; }

    /// <summary>Dollars per million completion (output) tokens.</summary>
    public decimal PricePerMillionOutput { get; init; }

    public string ResolvedJournalPath => JournalPath ?? DefaultJournalPath(OutputPath);

    public static string DefaultJournalPath(string outputPath)
    {
        var folder = Path.GetDirectoryName(outputPath) ?? "";
        return Path.Combine(folder, Path.GetFileNameWithoutExtension(outputPath) + ".teacher-log.jsonl");
    }

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(DataPath);
        ArgumentException.ThrowIfNullOrWhiteSpace(OutputPath);
        if (Concurrency is < 1 or > 256)
            throw new ArgumentException($"The concurrency must be 1–256, got {Concurrency}.");
        if (MinAgreement is < 0 or > 1 || double.IsNaN(MinAgreement))
            throw new ArgumentException($"The minimum agreement (F1) must be within 0..1, got {MinAgreement}.");
        if (Limit is < 0)
            throw new ArgumentException($"The limit must not be negative, got {Limit}.");
        if (PricePerMillionInput < 0 || PricePerMillionOutput < 0)
            throw new ArgumentException("Prices must not be negative.");
        if (Path.GetFullPath(DataPath) == Path.GetFullPath(OutputPath))
            throw new ArgumentException($"The output must not be the input dataset ({DataPath}): write to a new file.");
        if (Path.GetFullPath(ResolvedJournalPath) == Path.GetFullPath(OutputPath) || Path.GetFullPath(ResolvedJournalPath) == Path.GetFullPath(DataPath))
            throw new ArgumentException($"The journal ({ResolvedJournalPath}) must be a file of its own.");
    }
}
