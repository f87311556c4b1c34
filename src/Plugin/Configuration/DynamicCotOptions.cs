using DynamicCot.Inference.Generation;
using DynamicCot.Inference.Images;
using DynamicCot.Keyphrases.Suggestions;

namespace DynamicCot.Plugin.Configuration;

/// <summary>Settings of the plugin, bound from the <c>DynamicCot</c> configuration section.</summary>
public sealed class DynamicCotOptions
{
    public const string SectionName = "DynamicCot";

    public EngineSettings Engine { get; set; } = new();

    /// <summary>Which properties of each document type feed the model and which one receives tags; key = document type alias.</summary>
    public Dictionary<string, DocumentTypeTagging> DocumentTypes { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public int MaxKeyphrases { get; set; } = SuggestionOptions.DefaultMaxKeyphrases;

    /// <summary>Suggestions below this confidence (0..1) are not written by auto-tag or bulk jobs.</summary>
    public double MinConfidence { get; set; } = 0.2;

    public bool AutoTagOnPublish { get; set; } = true;

    public TagMergePolicy MergePolicy { get; set; } = TagMergePolicy.KeepEditorTagsAndAdd;

    public JobStoreOptions JobStore { get; set; } = new();
    public DashboardOptions Dashboard { get; set; } = new();

    public ThrottleOptions Throttle { get; set; } = new();

    /// <summary>Largest image the suggest API accepts and the engine's decoder reads, in bytes.</summary>
    public long MaxImageBytes { get; set; } = ImageDecoderOptions.DefaultMaxInputBytes;

    public SuggestionOptions ToSuggestionOptions(IReadOnlyCollection<string>? existingTags = null) => new()
    {
        Thinking = Engine.Thinking,
        MaxKeyphrases = MaxKeyphrases,
        MinConfidence = MinConfidence,
        ExistingTags = existingTags,
    };
}

/// <summary>Where the model files are and how llama.cpp runs them. The engine implementation reads these.</summary>
public sealed class EngineSettings
{
    /// <summary>GGUF language model; empty = no model configured (suggest answers 503 with a clear message).</summary>
    public string? ModelPath { get; set; }

    /// <summary>GGUF multimodal projector; without it the engine is text-only.</summary>
    public string? MmprojPath { get; set; }

    /// <summary>Layers offloaded to the GPU; -1 = all, 0 = CPU only.</summary>
    public int GpuLayers { get; set; } = -1;

    /// <summary>CPU threads; 0 = let the engine choose.</summary>
    public int Threads { get; set; }

    /// <summary>Concurrent sequences the engine decodes in one batch (1 to the engine's <see cref="KeyphraseEngineOptions.MaxParallelSequencesLimit"/>).</summary>
    public int ParallelRequests { get; set; } = 4;

    public ThinkingMode Thinking { get; set; } = SuggestionOptions.DefaultThinking;

    /// <summary>
    /// Image tokens per image. Unset: the budget the model was trained with (recorded in its GGUF by `convert`), else the
    /// projector's default; another value is used with a warning in the log. -1: the projector's default.
    /// </summary>
    public int? ImageMaxTokens { get; set; }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(ModelPath);
}

/// <summary>Tagging settings of one document type.</summary>
public sealed class DocumentTypeTagging
{
    /// <summary>Alias of the tags property that receives keyphrases.</summary>
    public string TagsProperty { get; set; } = "";

    /// <summary>Aliases of the text properties the model reads (the item's name is always read).</summary>
    public List<string> TextProperties { get; set; } = [];

    /// <summary>Alias of the image property (media picker or upload); optional.</summary>
    public string? ImageProperty { get; set; }
}

/// <summary>How suggestions combine with tags an editor already entered.</summary>
public enum TagMergePolicy
{
    /// <summary>Keep every editor tag and add new suggestions after them.</summary>
    KeepEditorTagsAndAdd,
    /// <summary>Replace the tags with the suggestions.</summary>
    Replace,
    /// <summary>Write suggestions only when the item has no tags yet.</summary>
    OnlyWhenEmpty,
}

public enum JobStoreProvider { Sqlite, Postgres }

/// <summary>Where Hangfire's job storage and the plugin's own tables (bulk jobs, feedback) live, and how this node runs jobs.</summary>
public sealed class JobStoreOptions
{
    /// <summary>Sqlite: one server process (the embedded default). Postgres: every node of a web farm runs jobs.</summary>
    public JobStoreProvider Provider { get; set; } = JobStoreProvider.Sqlite;
    /// <summary>SQLite: folder of the database files, relative to the site's content root.</summary>
    public string SqliteFolder { get; set; } = "umbraco/Data/DynamicCot";
    /// <summary>PostgreSQL connection string (required for <see cref="JobStoreProvider.Postgres"/>).</summary>
    public string? ConnectionString { get; set; }
    /// <summary>PostgreSQL schema of Hangfire's tables.</summary>
    public string PostgresSchema { get; set; } = "hangfire";
    /// <summary>Name of this node's Hangfire server, shown in the dashboard and in a bulk job's per-node progress; empty = machine name and process id.</summary>
    public string ServerName { get; set; } = "";
    /// <summary>Hangfire workers on this node (jobs it runs at once).</summary>
    public int WorkerThreads { get; set; } = 2;
    /// <summary>
    /// How long a job taken by a node that died stays invisible before another node takes it. PostgreSQL renews it
    /// while the job runs (sliding), so it bounds only the wait after a crash; Hangfire's default is 30 minutes.
    /// </summary>
    public TimeSpan InvisibilityTimeout { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>
    /// SQLite has no sliding invisibility: a job running longer than this runs a second time. Keep it far above a
    /// batch's duration; after a crash the restarted process takes the job up after this long.
    /// </summary>
    public TimeSpan SqliteInvisibilityTimeout { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>How often an idle node looks for new jobs.</summary>
    public TimeSpan QueuePollInterval { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>
    /// How long a node owns a bulk item it started on; a node that dies leaves its item to others after this long.
    /// Must exceed one suggestion plus the write.
    /// </summary>
    public TimeSpan ItemLease { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>Hangfire's dashboard, for administrators only.</summary>
public sealed class DashboardOptions
{
    public bool Enabled { get; set; } = true;
    /// <summary>Where the dashboard is served; the backoffice links to it.</summary>
    public string Path { get; set; } = "/umbraco/dynamiccot/hangfire";
    /// <summary>
    /// Authentication scheme the dashboard signs users in with when the request has no user yet (Umbraco's backoffice
    /// cookie, "UmbracoBackOffice"); empty = use the request's user as it is.
    /// </summary>
    public string AuthenticationScheme { get; set; } = "UmbracoBackOffice";
    /// <summary>Role (Umbraco user group alias) a user needs to see the dashboard.</summary>
    public string AdministratorRole { get; set; } = "admin";
}

/// <summary>Limits on how fast jobs call the engine, so editors' interactive requests keep a share of it.</summary>
public sealed class ThrottleOptions
{
    /// <summary>Most suggestions jobs start per second on this node.</summary>
    public double MaxItemsPerSecond { get; set; } = 5;

    /// <summary>Most suggestions jobs run at once on this node (the engine batches concurrent requests).</summary>
    public int MaxConcurrentSuggestions { get; set; } = 4;

    /// <summary>Items per batch job of a bulk retag; every node takes batches of one bulk job at once.</summary>
    public int BulkBatchSize { get; set; } = 8;

    /// <summary>Tries per item before a transient failure (engine overloaded) is recorded as a failure.</summary>
    public int MaxAttemptsPerItem { get; set; } = 3;
}
