using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DynamicCot.Plugin.Content;
using DynamicCot.Plugin.Tagging;
using Microsoft.Data.Sqlite;

namespace DynamicCot.Plugin.DemoHost;

/// <summary>One demo content item as the page shows it.</summary>
/// <param name="Tags">The draft's tags (what the editor sees and edits).</param>
/// <param name="PublishedTags">The published version's tags; null when no version is published.</param>
/// <param name="State">The publish state, as Umbraco's Published/Edited/Trashed flags give it.</param>
/// <param name="TagWrites">How many times the plugin wrote tags to the item (each write is in the write log).</param>
public sealed record DemoItem(Guid Key, string DocumentType, string Name, string Text, string? Image,
    IReadOnlyList<string> Tags, string TagsStored, string TagStorage, IReadOnlyList<string> ReferenceTags, DateTimeOffset? PublishedAt, int PublishCount,
    PublishState State, IReadOnlyList<string>? PublishedTags, int TagWrites);

/// <summary>One write of tags by the plugin, as the demo's audit trail keeps it.</summary>
public sealed record DemoTagWrite(Guid Key, IReadOnlyList<string> Tags, TagWriteResult Result, string Actor, string Process, DateTimeOffset At);

/// <summary>
/// The demo's content: a SQLite table standing in for a CMS, shared by every demo host started on the same state folder.
/// Posts store tags as a JSON array, photos as CSV, so both of Umbraco's storage formats are exercised. Like Umbraco,
/// an item has a draft and maybe a published version: the plugin's writes go to the draft, and republish only an item
/// that was published without pending changes (see <see cref="IContentRepository.UpdateTagsAsync"/>). A tag write
/// reads, merges and writes the item inside one write transaction (SQLite's write lock), as Umbraco's scope does.
/// </summary>
public sealed class DemoContentStore : IContentRepository
{
    private readonly string _connectionString;

    public DemoContentStore(string databasePath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(databasePath)!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = databasePath }.ToString();
        using var connection = Open();
        Execute(connection, """
            CREATE TABLE IF NOT EXISTS demo_content (
                key TEXT PRIMARY KEY, seq INTEGER NOT NULL, document_type TEXT NOT NULL, name TEXT NOT NULL, text TEXT NOT NULL,
                image TEXT NULL, tags TEXT NOT NULL, tag_storage TEXT NOT NULL, reference_tags TEXT NOT NULL,
                published_at TEXT NULL, publish_count INTEGER NOT NULL DEFAULT 0);
            CREATE TABLE IF NOT EXISTS demo_tag_writes (
                key TEXT NOT NULL, tags TEXT NOT NULL, result TEXT NOT NULL, actor TEXT NOT NULL, process TEXT NOT NULL, at TEXT NOT NULL);
            """);
        // A state folder from before publish states: add the columns (items there were published or never published).
        // Under the write lock (BEGIN IMMEDIATE), since demo hosts sharing the folder start together.
        using var transaction = connection.BeginTransaction();
        var columns = new HashSet<string>();
        using (var info = new SqliteCommand("PRAGMA table_info(demo_content)", connection, transaction))
        using (var reader = info.ExecuteReader())
            while (reader.Read()) columns.Add(reader.GetString(1));
        if (!columns.Contains("state"))
        {
            using var upgrade = new SqliteCommand("""
                ALTER TABLE demo_content ADD COLUMN state TEXT NOT NULL DEFAULT 'NeverPublished';
                ALTER TABLE demo_content ADD COLUMN published_tags TEXT NULL;
                UPDATE demo_content SET state = 'Published', published_tags = tags WHERE published_at IS NOT NULL;
                """, connection, transaction);
            upgrade.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    /// <summary>Stable key for a dataset id, so re-seeding and tests find the same items.</summary>
    public static Guid KeyFor(string datasetId) => new(MD5.HashData(Encoding.UTF8.GetBytes(datasetId)));

    public static TagStorageFormat FormatFor(string storage) => storage == "Csv" ? TagStorageFormat.Csv : TagStorageFormat.Json;

    public int Count()
    {
        using var connection = Open();
        using var command = new SqliteCommand("SELECT COUNT(*) FROM demo_content", connection);
        return Convert.ToInt32(command.ExecuteScalar());
    }

    /// <param name="draftTags">The draft's tags; <paramref name="publishedTags"/> the published version's (null: none).</param>
    public void Insert(Guid key, int seq, string documentType, string name, string text, string? image, TagStorage storage, IReadOnlyList<string> referenceTags,
        PublishState state = PublishState.Published, IReadOnlyList<string>? draftTags = null, IReadOnlyList<string>? publishedTags = null)
    {
        var format = storage == Tagging.TagStorage.Csv ? TagStorageFormat.Csv : TagStorageFormat.Json;
        using var connection = Open();
        using var command = new SqliteCommand("""
            INSERT INTO demo_content (key, seq, document_type, name, text, image, tags, tag_storage, reference_tags, published_at, state, published_tags)
            VALUES (@key, @seq, @type, @name, @text, @image, @tags, @storage, @reference, @publishedAt, @state, @publishedTags) ON CONFLICT (key) DO NOTHING
            """, connection);
        command.Parameters.AddWithValue("@key", key.ToString());
        command.Parameters.AddWithValue("@seq", seq);
        command.Parameters.AddWithValue("@type", documentType);
        command.Parameters.AddWithValue("@name", name);
        command.Parameters.AddWithValue("@text", text);
        command.Parameters.AddWithValue("@image", (object?)image ?? DBNull.Value);
        command.Parameters.AddWithValue("@tags", format.Encode(draftTags ?? []));
        command.Parameters.AddWithValue("@storage", storage.ToString());
        command.Parameters.AddWithValue("@reference", string.Join('\n', referenceTags));
        var hasPublishedVersion = state is PublishState.Published or PublishState.PublishedWithPendingChanges;
        command.Parameters.AddWithValue("@publishedAt", hasPublishedVersion ? DateTimeOffset.UtcNow.ToString("O") : DBNull.Value);
        command.Parameters.AddWithValue("@state", state.ToString());
        command.Parameters.AddWithValue("@publishedTags", hasPublishedVersion ? format.Encode(publishedTags ?? draftTags ?? []) : DBNull.Value);
        command.ExecuteNonQuery();
    }

    public IReadOnlyList<DemoItem> List()
    {
        using var connection = Open();
        using var command = new SqliteCommand($"{Select} ORDER BY seq", connection);
        return Read(command);
    }

    public DemoItem? Find(Guid key)
    {
        using var connection = Open();
        using var command = new SqliteCommand($"{Select} WHERE key = @key", connection);
        command.Parameters.AddWithValue("@key", key.ToString());
        return Read(command).FirstOrDefault();
    }

    /// <summary>Every tag write by the plugin, oldest first (across all demo hosts on this state folder).</summary>
    public IReadOnlyList<DemoTagWrite> Writes()
    {
        using var connection = Open();
        using var command = new SqliteCommand("SELECT key, tags, result, actor, process, at FROM demo_tag_writes ORDER BY at, rowid", connection);
        using var reader = command.ExecuteReader();
        var writes = new List<DemoTagWrite>();
        while (reader.Read())
            writes.Add(new DemoTagWrite(Guid.Parse(reader.GetString(0)), JsonSerializer.Deserialize<string[]>(reader.GetString(1)) ?? [],
                Enum.Parse<TagWriteResult>(reader.GetString(2)), reader.GetString(3), reader.GetString(4),
                DateTimeOffset.Parse(reader.GetString(5), System.Globalization.CultureInfo.InvariantCulture)));
        return writes;
    }

    /// <summary>The editor's save and publish: stores the tags they entered and publishes the draft (it becomes the published version).</summary>
    public void SetTagsAndPublish(Guid key, IReadOnlyList<string> tags)
    {
        var item = Find(key) ?? throw new KeyNotFoundException($"No demo item has the key {key}.");
        if (item.State == PublishState.Trashed) throw new InvalidOperationException($"Demo item {key} is in the recycle bin; restore it before publishing.");
        using var connection = Open();
        using var command = new SqliteCommand(
            "UPDATE demo_content SET tags = @tags, published_tags = @tags, state = 'Published', published_at = @now, publish_count = publish_count + 1 WHERE key = @key", connection);
        command.Parameters.AddWithValue("@tags", FormatFor(item.TagStorage).Encode(tags));
        command.Parameters.AddWithValue("@now", DateTimeOffset.UtcNow.ToString("O"));
        command.Parameters.AddWithValue("@key", key.ToString());
        command.ExecuteNonQuery();
    }

    public Task<TaggableItem?> GetAsync(Guid key, CancellationToken cancellationToken)
    {
        var item = Find(key);
        return Task.FromResult(item is null ? null
            : new TaggableItem(item.Key, item.DocumentType, item.Name, item.Text, item.Image, item.Tags, "tags", item.State));
    }

    public Task<IReadOnlyList<Guid>> ListKeysAsync(ContentSelection selection, CancellationToken cancellationToken)
    {
        // The demo has no tree: every item is a child of the site, so a subtree selection is "all" or one item.
        // Trashed items are not content of the site.
        IReadOnlyList<Guid> keys = List()
            .Where(i => i.State != PublishState.Trashed)
            .Where(i => selection.DocumentType is null || string.Equals(i.DocumentType, selection.DocumentType, StringComparison.OrdinalIgnoreCase))
            .Where(i => selection.RootKey is not { } root || i.Key == root || root == Guid.Empty)
            .Select(i => i.Key)
            .ToList();
        return Task.FromResult(keys);
    }

    public async Task<TagUpdate> UpdateTagsAsync(Guid key, TagMergeStep merge, ContentActor actor, CancellationToken cancellationToken)
    {
        using var connection = Open();
        // BEGIN IMMEDIATE (Microsoft.Data.Sqlite's default): the write lock is taken before the item is read.
        using var transaction = connection.BeginTransaction();
        DemoItem? item;
        using (var find = new SqliteCommand($"{Select} WHERE key = @key", connection, transaction))
        {
            find.Parameters.AddWithValue("@key", key.ToString());
            item = Read(find).FirstOrDefault();
        }
        if (item is null) throw new ContentNotTaggableException($"No demo item has the key {key}.");
        if (item.State == PublishState.Trashed) throw new ContentNotTaggableException($"Demo item {key} is in the recycle bin.");
        var tags = await merge(new TaggableItem(item.Key, item.DocumentType, item.Name, item.Text, item.Image, item.Tags, "tags", item.State), cancellationToken);
        if (tags is null || tags.SequenceEqual(item.Tags))
            return new TagUpdate(item.Tags, item.Tags, null);
        var result = item.State == PublishState.Published ? TagWriteResult.Republished : TagWriteResult.SavedToDraft;
        var stored = FormatFor(item.TagStorage).Encode(tags);
        using (var update = new SqliteCommand(result == TagWriteResult.Republished
            ? "UPDATE demo_content SET tags = @tags, published_tags = @tags, published_at = @now, publish_count = publish_count + 1 WHERE key = @key"
            : "UPDATE demo_content SET tags = @tags WHERE key = @key", connection, transaction))
        {
            update.Parameters.AddWithValue("@tags", stored);
            update.Parameters.AddWithValue("@now", DateTimeOffset.UtcNow.ToString("O"));
            update.Parameters.AddWithValue("@key", key.ToString());
            update.ExecuteNonQuery();
        }
        using (var log = new SqliteCommand("INSERT INTO demo_tag_writes (key, tags, result, actor, process, at) VALUES (@key, @tags, @result, @actor, @process, @at)", connection, transaction))
        {
            log.Parameters.AddWithValue("@key", key.ToString());
            log.Parameters.AddWithValue("@tags", JsonSerializer.Serialize(tags));
            log.Parameters.AddWithValue("@result", result.ToString());
            log.Parameters.AddWithValue("@actor", actor.ToString());
            log.Parameters.AddWithValue("@process", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            log.Parameters.AddWithValue("@at", DateTimeOffset.UtcNow.ToString("O"));
            log.ExecuteNonQuery();
        }
        transaction.Commit();
        return new TagUpdate(item.Tags, tags, result);
    }

    private const string Select = """
        SELECT c.key, c.document_type, c.name, c.text, c.image, c.tags, c.tag_storage, c.reference_tags, c.published_at, c.publish_count,
               c.state, c.published_tags, (SELECT COUNT(*) FROM demo_tag_writes w WHERE w.key = c.key)
        FROM demo_content c
        """;

    private static List<DemoItem> Read(SqliteCommand command)
    {
        var items = new List<DemoItem>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var storage = reader.GetString(6);
            var stored = reader.GetString(5);
            var format = FormatFor(storage);
            items.Add(new DemoItem(Guid.Parse(reader.GetString(0)), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), format.Decode(stored), stored, storage,
                reader.GetString(7).Split('\n', StringSplitOptions.RemoveEmptyEntries),
                reader.IsDBNull(8) ? null : DateTimeOffset.Parse(reader.GetString(8), System.Globalization.CultureInfo.InvariantCulture),
                reader.GetInt32(9), Enum.Parse<PublishState>(reader.GetString(10)),
                reader.IsDBNull(11) ? null : format.Decode(reader.GetString(11)), reader.GetInt32(12)));
        }
        return items;
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=10000;");
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = new SqliteCommand(sql, connection);
        command.ExecuteNonQuery();
    }
}
