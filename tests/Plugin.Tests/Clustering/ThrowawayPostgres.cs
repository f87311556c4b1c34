using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace DynamicCot.Plugin.Tests.Clustering;

/// <summary>
/// A real PostgreSQL server for one test: a fresh cluster (initdb) in a temp folder, started on a free 127.0.0.1 port
/// with its unix socket in the same folder, one empty database, and everything stopped and deleted on dispose.
/// PostgreSQL refuses to run as root, so under root the server runs as the unprivileged <c>nobody</c> user.
/// Binaries: <c>DYNAMICCOT_PG_BIN</c>, else <c>initdb</c>/<c>pg_ctl</c>/<c>postgres</c> on PATH, else Debian's layout.
/// </summary>
public sealed class ThrowawayPostgres : IAsyncDisposable
{
    public const string InstallHint =
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found. Install them, e.g. on Debian/Ubuntu: " +
        "`apt-get install -y --no-install-recommends postgresql` (binaries land in /usr/lib/postgresql/<version>/bin, found automatically), " +
        "or set DYNAMICCOT_PG_BIN to the folder holding initdb, pg_ctl and postgres.";

    private const string UnprivilegedUser = "nobody";
    private const string SuperUser = "postgres";

    private readonly string _root;
    private readonly string _binFolder;
    private readonly bool _asRoot;
    private Process? _server;

    private ThrowawayPostgres(string root, string binFolder)
    {
        _root = root;
        _binFolder = binFolder;
        _asRoot = Environment.UserName == "root";
    }

    public int Port { get; private set; }

    private string DataFolder => Path.Combine(_root, "data");
    private string SocketFolder => Path.Combine(_root, "sock");
    private string LogFile => Path.Combine(_root, "server.log");

    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Database = database,
        Username = SuperUser,
        Pooling = true,
        Timeout = 10,
    }.ToString();

    /// <summary>Creates and starts the server; throws <see cref="InvalidOperationException"/> with a clear reason when it cannot.</summary>
    public static async Task<ThrowawayPostgres> StartAsync(TimeSpan timeout)
    {
        var bin = FindBinFolder() ?? throw new InvalidOperationException(InstallHint);
        var root = Path.Combine(Path.GetTempPath(), $"dynamiccot-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        var pg = new ThrowawayPostgres(root, bin);
        try
        {
            await pg.InitAsync(timeout);
            await pg.StartServerAsync(timeout);
            return pg;
        }
        catch
        {
            await pg.DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await create.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    private static string? FindBinFolder()
    {
        static bool Has(string folder) => File.Exists(Path.Combine(folder, "initdb")) && File.Exists(Path.Combine(folder, "pg_ctl")) && File.Exists(Path.Combine(folder, "postgres"));
        if (Environment.GetEnvironmentVariable("DYNAMICCOT_PG_BIN") is { Length: > 0 } configured)
            return Has(configured) ? configured : throw new InvalidOperationException($"DYNAMICCOT_PG_BIN={configured} does not hold initdb, pg_ctl and postgres. " + InstallHint);
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            if (Has(folder)) return folder;
        // Debian/Ubuntu install the server outside PATH, one folder per major version: take the newest.
        const string debian = "/usr/lib/postgresql";
        if (!Directory.Exists(debian)) return null;
        return Directory.GetDirectories(debian)
            .Select(d => (Folder: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
            .Where(c => Has(c.Folder))
            .OrderByDescending(c => c.Version)
            .Select(c => c.Folder)
            .FirstOrDefault();
    }

    private async Task InitAsync(TimeSpan timeout)
    {
        Directory.CreateDirectory(SocketFolder);
        if (_asRoot) await RunAsync("chown", ["-R", UnprivilegedUser, _root], timeout, asServerUser: false);
        await RunAsync(Path.Combine(_binFolder, "initdb"),
            ["-D", DataFolder, "-U", SuperUser, "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"], timeout, asServerUser: true);
    }

    /// <summary>
    /// Stops the server as an outage would (immediate: no checkpoint, clients cut off, crash recovery on start) or as a
    /// maintenance restart does (fast), stays down for <paramref name="downtime"/>, and starts it again on the same port.
    /// </summary>
    public async Task RestartAsync(bool immediate, TimeSpan downtime, TimeSpan timeout)
    {
        if (_server is { } server)
        {
            _server = null;
            await RunAsync(Path.Combine(_binFolder, "pg_ctl"), ["stop", "-D", DataFolder, "-m", immediate ? "immediate" : "fast", "-w", "-t", "20"], timeout, asServerUser: true);
            await server.WaitForExitAsync();
            server.Dispose();
        }
        await Task.Delay(downtime);
        await StartServerAsync(timeout, Port);
    }

    /// <param name="port">The port to listen on; null: a free one (tried a few times).</param>
    private async Task StartServerAsync(TimeSpan timeout, int? port = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        // A free port can be taken between probing and binding: try a few.
        for (var attempt = 1; ; attempt++)
        {
            Port = port ?? FreePort();
            var server = Start(Path.Combine(_binFolder, "postgres"),
            [
                "-D", DataFolder, "-p", Port.ToString(), "-k", SocketFolder, "-c", "listen_addresses=127.0.0.1",
                "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200",
            ], asServerUser: true, output: File.AppendText(LogFile));
            _server = server;
            while (DateTime.UtcNow < deadline && !server.HasExited)
            {
                try
                {
                    await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
                    await connection.OpenAsync();
                    return;
                }
                catch (NpgsqlException)
                {
                    await Task.Delay(100);
                }
            }
            await StopServerAsync();
            if (attempt >= 3 || port is not null || DateTime.UtcNow >= deadline)
                throw new InvalidOperationException($"PostgreSQL did not start on 127.0.0.1:{Port} within {timeout.TotalSeconds:0} s. Server log:\n{ReadLog()}");
        }
    }

    private string ReadLog()
    {
        try { return File.Exists(LogFile) ? File.ReadAllText(LogFile) : "(no log)"; } catch (IOException e) { return e.Message; }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private Process Start(string program, IReadOnlyList<string> arguments, bool asServerUser, TextWriter? output)
    {
        var info = new ProcessStartInfo { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        if (asServerUser && _asRoot)
        {
            // setpriv execs the program itself (no intermediate process), so the handle below is the server.
            info.FileName = "setpriv";
            foreach (var a in new[] { "--reuid", UnprivilegedUser, "--regid", "nogroup", "--clear-groups", "--", program }) info.ArgumentList.Add(a);
        }
        else info.FileName = program;
        foreach (var a in arguments) info.ArgumentList.Add(a);
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {program}.");
        var sink = output is null ? null : TextWriter.Synchronized(output);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) sink?.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) sink?.WriteLine(e.Data); };
        process.Exited += (_, _) => sink?.Flush();
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private async Task RunAsync(string program, IReadOnlyList<string> arguments, TimeSpan timeout, bool asServerUser)
    {
        var log = new StringBuilder();
        using var writer = new StringWriter(log);
        using var process = Start(program, arguments, asServerUser, writer);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{Path.GetFileName(program)} did not finish within {timeout.TotalSeconds:0} s:\n{log}");
        }
        process.WaitForExit(); // drains the redirected output
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(program)} {string.Join(' ', arguments)} failed (exit {process.ExitCode}):\n{log}");
    }

    private async Task StopServerAsync()
    {
        if (_server is not { } server) return;
        _server = null;
        try
        {
            if (!server.HasExited)
            {
                // Fast shutdown: disconnects clients and exits cleanly, so no shared memory or socket is left behind.
                try { await RunAsync(Path.Combine(_binFolder, "pg_ctl"), ["stop", "-D", DataFolder, "-m", "fast", "-w", "-t", "20"], TimeSpan.FromSeconds(30), asServerUser: true); }
                catch (InvalidOperationException) { }
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                try { await server.WaitForExitAsync(cts.Token); }
                catch (OperationCanceledException) { server.Kill(entireProcessTree: true); }
            }
        }
        finally
        {
            server.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try { await StopServerAsync(); }
        finally
        {
            try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
