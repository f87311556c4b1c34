using NetVips;
using NetVipsGlobals = NetVips.NetVips;

namespace DynamicCot.Inference.Images.Vips;

/// <summary>
/// Applies the process-wide libvips settings once, before the first decode, and locks libvips down for untrusted
/// uploads: only the JPEG, PNG, WebP and GIF loaders may run, loaders libvips marks untrusted are blocked, and the
/// operation cache is off.
/// </summary>
/// <remarks>
/// libvips itself is loaded and initialised by NetVips when its assembly loads; its settings are globals that every
/// decode reads, so changing them while decodes run would race. <see cref="EnsureStarted"/> applies them under a
/// lock exactly once and publishes the result; <see cref="Configure"/> is refused after that.
/// </remarks>
public static class VipsRuntime
{
    /// <summary>The libvips version the decoder's guarantees were tested against (NetVips.Native.linux-x64).</summary>
    public const string PinnedVersion = "8.18.7";

    /// <summary>Loader classes (and their file, buffer and source subclasses) that stay allowed.</summary>
    public static readonly IReadOnlyList<string> AllowedLoaderClasses =
        ["VipsForeignLoadJpeg", "VipsForeignLoadPng", "VipsForeignLoadWebp", "VipsForeignLoadNsgif"];

    private static readonly Lock Gate = new();
    private static VipsSettings _settings = new();
    private static StartedVips? _started;

    /// <summary>The settings in force, or null before the first decode.</summary>
    public static StartedVips? Started => Volatile.Read(ref _started);

    /// <summary>Sets how libvips runs. Only allowed before it is started.</summary>
    public static void Configure(VipsSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.ThreadsPerOperation, 1, nameof(settings.ThreadsPerOperation));
        lock (Gate)
        {
            if (_started is not null)
                throw new InvalidOperationException(
                    $"libvips {_started.Version} is already started with {_started.Settings}; configure it before the first decode.");
            _settings = settings;
        }
    }

    /// <summary>Applies the settings if that has not happened yet; safe to call from many threads at once.</summary>
    public static StartedVips EnsureStarted()
    {
        var started = Volatile.Read(ref _started);
        if (started is not null)
            return started;
        lock (Gate)
        {
            if (_started is not null)
                return _started;
            if (!ModuleInitializer.VipsInitialized)
                throw new VipsStartException(
                    "libvips could not be loaded or initialised (it comes from the NetVips.Native.linux-x64 package, " +
                    $"runtimes/linux-x64/native/libvips.so.42): {ModuleInitializer.Exception?.Message ?? "no reason given"}",
                    ModuleInitializer.Exception);
            var version = $"{NetVipsGlobals.Version(0)}.{NetVipsGlobals.Version(1)}.{NetVipsGlobals.Version(2)}";
            VipsLog.Install();
            LockDown(version, _settings);
            Volatile.Write(ref _started, new StartedVips(version, _settings));
            return _started!;
        }
    }

    private static void LockDown(string version, VipsSettings settings)
    {
        // Every upload is different, so caching operations only holds memory, and the cache would keep the
        // uploads' bytes alive after their decode.
        Cache.Max = 0;
        Cache.MaxMem = 0;
        Cache.MaxFiles = 0;
        NetVipsGlobals.Concurrency = settings.ThreadsPerOperation;
        NetVipsGlobals.BlockUntrusted = true;
        Operation.Block("VipsForeignLoad", true);
        foreach (var loader in AllowedLoaderClasses)
        {
            // A missing class means a different build, which might lack a format we promise: fail loudly.
            if (NetVipsGlobals.TypeFromName(loader) == IntPtr.Zero)
                throw new VipsStartException(
                    $"libvips {version} has no loader class {loader}; the decoder needs the libvips {PinnedVersion} build of NetVips.Native.");
            Operation.Block(loader, false);
        }
    }
}

/// <summary>The libvips in use and the settings applied to it.</summary>
public sealed record StartedVips(string Version, VipsSettings Settings);
