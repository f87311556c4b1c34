using DynamicCot.Keyphrases.Data;
using DynamicCot.Inference.Images;

namespace DynamicCot.Tools.Teacher;

/// <summary>Where a teacher run stands; reported after each post.</summary>
public sealed record TeacherProgress(int Done, int ToDo, int Kept, int Dropped, int Failed);

/// <summary>
/// What a teacher run did. Kept, dropped, failed and pending describe the whole dataset after this run (earlier
/// runs' replies included); the token counts and cost are given for this run and for the journal as a whole.
/// </summary>
/// <param name="Posts">Posts in the dataset.</param>
/// <param name="HadRationale">Posts that already had a rationale in the input (left as they are, not sent).</param>
/// <param name="Unlabelled">Posts without gold keyphrases (nothing to explain; not sent).</param>
/// <param name="AlreadyAnswered">Posts answered by an earlier run (skipped).</param>
/// <param name="Asked">Posts sent in this run.</param>
/// <param name="Kept">Posts whose teacher rationale was kept (written to the output).</param>
/// <param name="Dropped">Answered posts whose rationale was dropped (no rationale, or answer disagreeing with the gold set).</param>
/// <param name="Failed">Posts whose last request failed (the next run retries them).</param>
/// <param name="Pending">Posts not asked yet (a limit or cancellation stopped the run first).</param>
/// <param name="Cancelled">The run was cancelled; the output holds what was done.</param>
public sealed record TeacherRunSummary(
    int Posts, int HadRationale, int Unlabelled, int AlreadyAnswered, int Asked,
    int Kept, int Dropped, int Failed, int Pending,
    TokenUsage ThisRun, TokenUsage AllRuns, bool Cancelled,
    string OutputPath, string JournalPath, IReadOnlyList<string> FailureSamples);

/// <summary>Tokens billed and their estimated cost.</summary>
public sealed record TokenUsage(long PromptTokens, long CompletionTokens, decimal Cost)
{
    public static TokenUsage Of(long prompt, long completion, decimal pricePerMillionIn, decimal pricePerMillionOut) =>
        new(prompt, completion, (prompt * pricePerMillionIn + completion * pricePerMillionOut) / 1_000_000m);
}

/// <summary>
/// Adds teacher rationales to a dataset: asks the teacher about every labelled post that has no rationale and no
/// recorded reply yet (bounded concurrency), records each reply or failure in an append-only journal as it arrives,
/// and writes the output dataset from the input and the journal, keeping rationales whose answer agrees with the gold
/// keyphrases. An interrupted run is resumed by running it again: recorded replies are never requested twice.
/// </summary>
public static class TeacherRun
{
    public static async Task<TeacherRunSummary> RunAsync(
        ITeacherModel teacher, TeacherRunOptions options, IProgress<TeacherProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var posts = DatasetReader.ReadAll(options.DataPath, requireImagesExist: true);
        var journalPath = options.ResolvedJournalPath;
        var entries = AppendOnlyJournal.ReadExisting(journalPath, TeacherJournalEntry.Read, e => e.Id);
        var agreement = new RationaleAgreement();

        var eligible = posts.Where(p => p.Keyphrases.Count > 0 && p.Rationale is null).ToList();
        var alreadyAnswered = eligible.Count(p => entries.TryGetValue(p.Id, out var e) && e.Answered);
        var toAsk = eligible.Where(p => !(entries.TryGetValue(p.Id, out var e) && e.Answered)).ToList();
        if (options.Limit is { } limit && toAsk.Count > limit)
            toAsk = toAsk.GetRange(0, limit);

        var gate = new Lock();
        int done = 0, kept = 0, dropped = 0, failed = 0;
        long promptTokens = 0, completionTokens = 0;
        var cancelled = false;
        progress?.Report(new TeacherProgress(0, toAsk.Count, 0, 0, 0));
        try
        {
            using var journal = AppendOnlyJournal.Open(journalPath);
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(toAsk, parallel, async (post, token) =>
            {
                var entry = await AskOneAsync(teacher, options.DataPath, post, agreement, token).ConfigureAwait(false);
                journal.Append(entry.WriteTo);
                lock (gate)
                {
                    entries[post.Id] = entry;
                    done++;
                    promptTokens += entry.PromptTokens;
                    completionTokens += entry.CompletionTokens;
                    if (!entry.Answered)
                        failed++;
                    else if (IsKept(entry, post, options, agreement))
                        kept++;
                    else
                        dropped++;
                    progress?.Report(new TeacherProgress(done, toAsk.Count, kept, dropped, failed));
                }
            }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            cancelled = true;
        }
        finally
        {
            // Also after a cancellation or a fatal teacher error: the output then reflects every recorded reply.
            WriteOutput(posts, entries, options, agreement);
        }

        return Summarize(posts, entries, options, agreement, alreadyAnswered, done,
            TokenUsage.Of(promptTokens, completionTokens, options.PricePerMillionInput, options.PricePerMillionOutput), cancelled);
    }

    private static async Task<TeacherJournalEntry> AskOneAsync(
        ITeacherModel teacher, string dataPath, KeyphrasePost post, RationaleAgreement agreement, CancellationToken cancellationToken)
    {
        try
        {
            var request = new TeacherRequest(post.Id, post.Text, await LoadImageAsync(dataPath, post, cancellationToken).ConfigureAwait(false), post.Keyphrases);
            var reply = await teacher.AskAsync(request, cancellationToken).ConfigureAwait(false);
            return new TeacherJournalEntry(post.Id, true, reply.Rationale, reply.Answer, agreement.F1(reply.Answer, post.Keyphrases),
                reply.PromptTokens, reply.CompletionTokens, 1, null);
        }
        catch (TeacherRequestException e)
        {
            return Failure(post, e.Message, e.Attempts);
        }
        catch (Exception e) when (e is not (OperationCanceledException or TeacherConfigurationException))
        {
            // One post's bad image or unexpected reply must not stop a long, paid run: it is recorded with its
            // reason, counted, and retried by the next run.
            return Failure(post, $"{e.GetType().Name}: {e.Message}", 1);
        }
    }

    private static TeacherJournalEntry Failure(KeyphrasePost post, string error, int attempts) =>
        new(post.Id, false, null, [], 0, 0, 0, attempts, error);

    private static async Task<TeacherImage?> LoadImageAsync(string dataPath, KeyphrasePost post, CancellationToken cancellationToken)
    {
        var path = DatasetReader.ImagePath(dataPath, post);
        if (path is null)
            return null;
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        var format = ImageFormatSniffer.Detect(bytes, out var description)
            ?? throw new InvalidDataException($"the image {post.Image} is not a JPEG, PNG, WebP or GIF ({description})");
        var mediaType = format switch
        {
            ImageFormat.Jpeg => "image/jpeg",
            ImageFormat.Png => "image/png",
            ImageFormat.WebP => "image/webp",
            _ => "image/gif",
        };
        return new TeacherImage(bytes, mediaType, post.Image!);
    }

    private static bool IsKept(TeacherJournalEntry entry, KeyphrasePost post, TeacherRunOptions options, RationaleAgreement agreement) =>
        entry.Answered && !string.IsNullOrWhiteSpace(entry.Rationale)
        && (options.KeepAll || agreement.F1(entry.Answer, post.Keyphrases) >= options.MinAgreement);

    /// <summary>Every input post in input order, with the kept rationales; written atomically (never a partial dataset).</summary>
    private static void WriteOutput(List<KeyphrasePost> posts, Dictionary<string, TeacherJournalEntry> entries, TeacherRunOptions options, RationaleAgreement agreement)
    {
        var inputFolder = Path.GetDirectoryName(Path.GetFullPath(options.DataPath))!;
        DatasetWriter.WriteFile(options.OutputPath, posts.Select(post => post with
        {
            Rationale = post.Rationale
                ?? (entries.TryGetValue(post.Id, out var entry) && IsKept(entry, post, options, agreement) ? entry.Rationale : null),
        }), inputFolder);
    }

    private static TeacherRunSummary Summarize(
        List<KeyphrasePost> posts, Dictionary<string, TeacherJournalEntry> entries, TeacherRunOptions options, RationaleAgreement agreement,
        int alreadyAnswered, int asked, TokenUsage thisRun, bool cancelled)
    {
        int kept = 0, dropped = 0, failed = 0, pending = 0, hadRationale = 0, unlabelled = 0;
        long allPrompt = 0, allCompletion = 0;
        var failures = new List<string>();
        foreach (var post in posts)
        {
            if (post.Rationale is not null)
            {
                hadRationale++;
                continue;
            }
            if (post.Keyphrases.Count == 0)
            {
                unlabelled++;
                continue;
            }
            if (!entries.TryGetValue(post.Id, out var entry))
            {
                pending++;
                continue;
            }
            if (!entry.Answered)
            {
                failed++;
                if (failures.Count < 5)
                    failures.Add($"{post.Id}: {entry.Error}");
            }
            else if (IsKept(entry, post, options, agreement))
                kept++;
            else
                dropped++;
        }
        foreach (var entry in entries.Values)
        {
            allPrompt += entry.PromptTokens;
            allCompletion += entry.CompletionTokens;
        }
        var allRuns = TokenUsage.Of(allPrompt, allCompletion, options.PricePerMillionInput, options.PricePerMillionOutput);
        return new TeacherRunSummary(posts.Count, hadRationale, unlabelled, alreadyAnswered, asked, kept, dropped, failed, pending,
            thisRun, allRuns, cancelled, options.OutputPath, options.ResolvedJournalPath, failures);
    }
}
