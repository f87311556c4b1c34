using DynamicCot.Inference.Generation;
using DynamicCot.Inference.Images;
using DynamicCot.Keyphrases.Prompting;
using Microsoft.Extensions.Options;

namespace DynamicCot.Plugin.Configuration;

/// <summary>Checks settings at start-up so a misconfigured site fails early with messages naming the setting.</summary>
public sealed class DynamicCotOptionsValidator : IValidateOptions<DynamicCotOptions>
{
    /// <summary>The configured model files that do not exist, as messages naming the setting; empty when all are there.</summary>
    public static IReadOnlyList<string> MissingModelFiles(EngineSettings engine)
    {
        const string s = DynamicCotOptions.SectionName;
        var missing = new List<string>();
        if (engine.IsConfigured && !File.Exists(engine.ModelPath))
            missing.Add($"{s}:Engine:ModelPath: file '{engine.ModelPath}' does not exist.");
        if (engine.IsConfigured && !string.IsNullOrWhiteSpace(engine.MmprojPath) && !File.Exists(engine.MmprojPath))
            missing.Add($"{s}:Engine:MmprojPath: file '{engine.MmprojPath}' does not exist.");
        return missing;
    }

    public ValidateOptionsResult Validate(string? name, DynamicCotOptions options)
    {
        var errors = new List<string>();
        const string s = DynamicCotOptions.SectionName;
        var engine = options.Engine;

        // Missing model files are not a start-up error: the site starts and suggestions answer 503 naming the file
        // until it is there (see Serving.BackgroundLoadedSuggester and MissingModelFiles).
        if (!string.IsNullOrWhiteSpace(engine.MmprojPath) && !engine.IsConfigured)
            errors.Add($"{s}:Engine:MmprojPath is set but {s}:Engine:ModelPath is not; the projector needs its language model.");
        if (engine.GpuLayers < -1)
            errors.Add($"{s}:Engine:GpuLayers must be -1 (all layers), 0 (CPU) or a positive layer count; got {engine.GpuLayers}.");
        if (engine.Threads < 0)
            errors.Add($"{s}:Engine:Threads must be 0 (automatic) or positive; got {engine.Threads}.");
        if (engine.ParallelRequests is < 1 or > KeyphraseEngineOptions.MaxParallelSequencesLimit)
            errors.Add($"{s}:Engine:ParallelRequests must be between 1 and {KeyphraseEngineOptions.MaxParallelSequencesLimit} (the sequences one llama.cpp context decodes together); got {engine.ParallelRequests}.");
        if (engine.ImageMaxTokens is { } budget && !ImageTokenBudget.IsValid(budget))
            errors.Add($"{s}:Engine:ImageMaxTokens must be {ImageTokenBudget.ProjectorDefault} (the projector's default) or a positive number of tokens; got {budget}.");

        if (options.MaxKeyphrases is < 1 or > 50)
            errors.Add($"{s}:MaxKeyphrases must be between 1 and 50; got {options.MaxKeyphrases}.");
        if (options.MinConfidence is < 0 or > 1 || double.IsNaN(options.MinConfidence))
            errors.Add($"{s}:MinConfidence must be between 0 and 1; got {options.MinConfidence}.");
        if (options.MaxImageBytes is < 1024 or > ImageDecoderOptions.MaxInputBytesLimit)
            errors.Add($"{s}:MaxImageBytes must be between 1024 and {ImageDecoderOptions.MaxInputBytesLimit} (an image is held in one array); got {options.MaxImageBytes}.");
        if (!Enum.IsDefined(options.MergePolicy))
            errors.Add($"{s}:MergePolicy must be one of {string.Join(", ", Enum.GetNames<TagMergePolicy>())}.");

        foreach (var (alias, tagging) in options.DocumentTypes)
        {
            if (string.IsNullOrWhiteSpace(tagging.TagsProperty))
                errors.Add($"{s}:DocumentTypes:{alias}:TagsProperty is required (the alias of the tags property that receives keyphrases).");
            if (tagging.TextProperties.Any(string.IsNullOrWhiteSpace))
                errors.Add($"{s}:DocumentTypes:{alias}:TextProperties contains an empty alias.");
        }

        var store = options.JobStore;
        if (!Enum.IsDefined(store.Provider))
            errors.Add($"{s}:JobStore:Provider must be Sqlite or Postgres.");
        if (store.Provider == JobStoreProvider.Postgres && string.IsNullOrWhiteSpace(store.ConnectionString))
            errors.Add($"{s}:JobStore:ConnectionString is required when {s}:JobStore:Provider is Postgres.");
        if (store.Provider == JobStoreProvider.Sqlite && string.IsNullOrWhiteSpace(store.SqliteFolder))
            errors.Add($"{s}:JobStore:SqliteFolder is required when {s}:JobStore:Provider is Sqlite.");
        if (string.IsNullOrWhiteSpace(store.PostgresSchema) || !store.PostgresSchema.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
            errors.Add($"{s}:JobStore:PostgresSchema must be lower-case letters, digits and underscores; got '{store.PostgresSchema}'.");
        if (store.InvisibilityTimeout < TimeSpan.FromSeconds(5))
            errors.Add($"{s}:JobStore:InvisibilityTimeout must be at least 5 seconds; got {store.InvisibilityTimeout}.");
        if (store.SqliteInvisibilityTimeout < TimeSpan.FromMinutes(1))
            errors.Add($"{s}:JobStore:SqliteInvisibilityTimeout must be at least a minute (a longer job would run twice); got {store.SqliteInvisibilityTimeout}.");
        if (store.QueuePollInterval < TimeSpan.FromMilliseconds(100) || store.QueuePollInterval > TimeSpan.FromMinutes(5))
            errors.Add($"{s}:JobStore:QueuePollInterval must be between 0.1 s and 5 min; got {store.QueuePollInterval}.");
        if (store.ItemLease < TimeSpan.FromSeconds(2))
            errors.Add($"{s}:JobStore:ItemLease must be at least 2 seconds; got {store.ItemLease}.");
        if (store.WorkerThreads is < 1 or > 64)
            errors.Add($"{s}:JobStore:WorkerThreads must be between 1 and 64; got {store.WorkerThreads}.");

        var throttle = options.Throttle;
        if (throttle.MaxItemsPerSecond <= 0 || double.IsNaN(throttle.MaxItemsPerSecond))
            errors.Add($"{s}:Throttle:MaxItemsPerSecond must be positive; got {throttle.MaxItemsPerSecond}.");
        if (throttle.MaxConcurrentSuggestions is < 1 or > 256)
            errors.Add($"{s}:Throttle:MaxConcurrentSuggestions must be between 1 and 256; got {throttle.MaxConcurrentSuggestions}.");
        if (throttle.BulkBatchSize is < 1 or > 1000)
            errors.Add($"{s}:Throttle:BulkBatchSize must be between 1 and 1000; got {throttle.BulkBatchSize}.");
        if (throttle.MaxAttemptsPerItem is < 1 or > 100)
            errors.Add($"{s}:Throttle:MaxAttemptsPerItem must be between 1 and 100; got {throttle.MaxAttemptsPerItem}.");

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
