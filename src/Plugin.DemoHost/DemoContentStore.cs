using System.Security.Cryptography;
using System.Text;
using DynamicCot.Plugin.Content;
using DynamicCot.Plugin.Tags;
using Microsoft.Data.Sqlite;

namespace DynamicCot.Plugin.DemoHost;

/// <summary>One demo content item as the page shows it.</summary>
public sealed record DemoItem(Guid Key, string DocumentType, string Name, string Text, string? Image,
    IReadOnlyList<string> Tags, string TagsStored, string TagStorage, IReadOnlyList<string> ReferenceTags, DateTimeOffset? PublishedAt, int PublishCount);

/// <summary>
/// The demo's content: a SQLite table standing in for a CMS. Posts store tags as a JSON array, photos as CSV, so both
/// of Umbraco's storage formats are exercised. Implements the plugin's <see cref="IContentRepository"/>.
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
            """);
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

    public void Insert(Guid key, int seq, string documentType, string name, string text, string? image, TagStorage storage, IReadOnlyList<string> referenceTags)
    {
        using var connection = Open();
        using var command = new SqliteCommand("""
            INSERT INTO demo_content (key, seq, document_type, name, text, image, tags, tag_storage, reference_tags)
            VALUES (@key, @seq, @type, @name, @text, @image, '', @storage, @reference) ON CONFLICT (key) DO NOTHING
            """, connection);
        command.Parameters.AddWithValue("@key", key.ToString());
        command.Parameters.AddWithValue("@seq", seq);
        command.Parameters.AddWithValue("@type", documentType);
        command.Parameters.AddWithValue("@name", name);
        command.Parameters.AddWithValue("@text", text);
        command.Parameters.AddWithValue("@image", (object?)image ?? DBNull.Value);
        command.Parameters.AddWithValue("@storage", storage.ToString());
        command.Parameters.AddWithValue("@reference", string.Join('\n', referenceTags));
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

    /// <summary>The editor's save and publish: stores the tags they entered and marks the item published.</summary>
    public void SetTagsAndPublish(Guid key, IReadOnlyList<string> tags)
    {
        var item = Find(key) ?? throw new KeyNotFoundException($"No demo item has the key {key}.");
        using var connection = Open();
        using var command = new SqliteCommand(
            "UPDATE demo_content SET tags = @tags, published_at = @now, publish_count = publish_count + 1 WHERE key = @key", connection);
        command.Parameters.AddWithValue("@tags", FormatFor(item.TagStorage).Encode(tags));
        command.Parameters.AddWithValue("@now", DateTimeOffset.UtcNow.ToString("O"));
        command.Parameters.AddWithValue("@key", key.ToString());
        command.ExecuteNonQuery();
    }

    public Task<TaggableItem?> GetAsync(Guid key, CancellationToken cancellationToken)
    {
        var item = Find(key);
        return Task.FromResult(item is null ? null
            : new TaggableItem(item.Key, item.DocumentType, item.Name, item.Text, item.Image, item.Tags, "tags"));
    }

    public Task<IReadOnlyList<Guid>> ListKeysAsync(ContentSelection selection, CancellationToken cancellationToken)
    {
        // The demo has no tree: every item is a child of the site, so a subtree selection is "all" or one item.
        IReadOnlyList<Guid> keys = List()
            .Where(i => selection.DocumentType is null || string.Equals(i.DocumentType, selection.DocumentType, StringComparison.OrdinalIgnoreCase))
            .Where(i => selection.RootKey is not { } root || i.Key == root || root == Guid.Empty)
            .Select(i => i.Key)
            .ToList();
        return Task.FromResult(keys);
    }

    public Task WriteTagsAndPublishAsync(Guid key, IReadOnlyList<string> tags, CancellationToken cancellationToken)
    {
        SetTagsAndPublish(key, tags);
        return Task.CompletedTask;
    }

    private const string Select = "SELECT key, document_type, name, text, image, tags, tag_storage, reference_tags, published_at, publish_count FROM demo_content";

    private static List<DemoItem> Read(SqliteCommand command)
    {
        var items = new List<DemoItem>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var storage = reader.GetString(6);
            var stored = reader.GetString(5);
            items.Add(new DemoItem(Guid.Parse(reader.GetString(0)), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), FormatFor(storage).Decode(stored), stored, storage,
                reader.GetString(7).Split('\n', StringSplitOptions.RemoveEmptyEntries),
                reader.IsDBNull(8) ? null : DateTimeOffset.Parse(reader.GetString(8), System.Globalization.CultureInfo.InvariantCulture),
                reader.GetInt32(9)));
        }
        return items;
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000;");
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = new SqliteCommand(sql, connection);
        command.ExecuteNonQuery();
    }
}
