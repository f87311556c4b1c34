namespace DynamicCot.Plugin.Jobs;

/// <summary>
/// Keeps a SQLite job store to one server process: Hangfire's SQLite storage has no locking between processes, and two
/// processes on one file ran some jobs twice. The lock is an exclusive lock on a file beside the database, taken before
/// Hangfire's server starts and released by the OS when the process ends, however it ends; a second process (or a
/// second host in the same process) does not get it, and is told why and what to do instead.
/// </summary>
public sealed class SingleServerLock(ResolvedJobStore store) : IDisposable
{
    public const string FileName = "hangfire-server.lock";

    private FileStream? _lock;

    public string Path => System.IO.Path.Combine(store.SqliteFolder!, FileName);
    private string OwnerPath => Path + ".owner";

    /// <returns>Null when this process now holds the lock, else why not (who holds it, what to do).</returns>
    public string? TryAcquire()
    {
        if (_lock is not null) return null;
        try
        {
            // FileShare.None takes an exclusive advisory lock (flock) on Unix and a share lock on Windows.
            _lock = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (IOException ex)
        {
            return $"The SQLite job store in '{store.SqliteFolder}' is already served by another process{ReadHolder()}. SQLite allows one " +
                "server process: give each site its own DynamicCot:JobStore:SqliteFolder, or use DynamicCot:JobStore:Provider=Postgres " +
                $"for several nodes. ({ex.Message})";
        }
        // The locked file cannot be read by others, so the holder is named in a file beside it.
        File.WriteAllText(OwnerPath, $"{Environment.ProcessId} on {Environment.MachineName}");
        return null;
    }

    private string ReadHolder()
    {
        try
        {
            var holder = File.Exists(OwnerPath) ? File.ReadAllText(OwnerPath).Trim() : "";
            return holder.Length > 0 ? $" (process {holder})" : "";
        }
        catch (IOException)
        {
            return "";
        }
    }

    public void Dispose()
    {
        _lock?.Dispose();
        _lock = null;
    }
}
