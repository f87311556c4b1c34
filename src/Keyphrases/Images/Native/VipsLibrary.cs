using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace DynamicCot.Keyphrases.Images.Native;

/// <summary>
/// Finds, opens and starts libvips once per process, and answers the runtime for <see cref="VipsApi.LibraryName"/>.
/// Start-up also locks libvips down for untrusted uploads: only the JPEG, PNG, WebP and GIF loaders may run, the
/// operation cache is off, and libvips' warnings go to <see cref="VipsLog"/> instead of stderr.
/// </summary>
/// <remarks>
/// The name is resolved through <see cref="AssemblyLoadContext.ResolvingUnmanagedDll"/> rather than
/// <see cref="NativeLibrary.SetDllImportResolver"/>: an assembly can have only one resolver, and this assembly is
/// shared with other native bindings, whereas the event takes any number of handlers.
/// </remarks>
public static class VipsLibrary
{
    /// <summary>Loaders (and their subclasses: file, buffer and source variants) that stay allowed.</summary>
    public static readonly IReadOnlyList<string> AllowedLoaderClasses =
        ["VipsForeignLoadJpeg", "VipsForeignLoadPng", "VipsForeignLoadWebp", "VipsForeignLoadNsgif"];

    private static readonly object Gate = new();
    private static VipsLibraryOptions _options = new();
    private static LoadedVipsLibrary? _loaded;
    private static nint _handle;
    private static bool _resolverInstalled;

    /// <summary>The started library, or null before the first decode.</summary>
    public static LoadedVipsLibrary? Loaded => Volatile.Read(ref _loaded);

    /// <summary>Sets where libvips comes from and how it runs. Only allowed before it is started.</summary>
    public static void Configure(VipsLibraryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ThreadsPerOperation, 1);
        lock (Gate)
        {
            if (_loaded is not null)
                throw new InvalidOperationException($"libvips is already started from '{_loaded.Path}'; configure it before the first decode.");
            _options = options;
        }
    }

    /// <summary>Opens and starts libvips if that has not happened yet; returns what was started.</summary>
    public static LoadedVipsLibrary EnsureInitialized()
    {
        var loaded = Volatile.Read(ref _loaded);
        if (loaded is not null)
            return loaded;
        lock (Gate)
        {
            if (_loaded is not null)
                return _loaded;
            var path = Locate(_options);
            if (_handle == 0)
                _handle = Open(path);
            InstallResolver();
            VipsLog.Install();
            if (VipsApi.vips_init("dynamiccot") != 0)
                throw new VipsLibraryException(path, $"vips_init failed for '{path}': {VipsErrors.TakeErrorText()}");
            LockDown(path, _options);
            var version = $"{VipsApi.vips_version(0)}.{VipsApi.vips_version(1)}.{VipsApi.vips_version(2)}";
            _loaded = new LoadedVipsLibrary(path, version);
            return _loaded;
        }
    }

    /// <summary>Which file would be opened for these options, without opening it.</summary>
    public static string Locate(VipsLibraryOptions options)
    {
        var explicitPath = options.LibraryPath;
        if (string.IsNullOrWhiteSpace(explicitPath))
            explicitPath = Environment.GetEnvironmentVariable(VipsLibraryOptions.LibraryPathVariable);
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            var full = Path.GetFullPath(explicitPath);
            return File.Exists(full)
                ? full
                : throw new VipsLibraryException(full, $"libvips was configured at '{full}' (option or {VipsLibraryOptions.LibraryPathVariable}) but that file does not exist.");
        }
        var folder = options.RuntimesFolder ?? Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");
        var pinned = Path.Combine(folder, VipsLibraryOptions.PinnedFileName);
        return File.Exists(pinned)
            ? pinned
            : throw new VipsLibraryException(pinned,
                $"libvips was not found at '{pinned}'. Run `npm ci` in the repository root and rebuild, " +
                $"or set {VipsLibraryOptions.LibraryPathVariable} to a libvips 8.x library.");
    }

    private static nint Open(string path)
    {
        try
        {
            return NativeLibrary.Load(path);
        }
        catch (DllNotFoundException e)
        {
            throw new VipsLibraryException(path, $"libvips at '{path}' could not be opened: {e.Message}", e);
        }
    }

    private static void InstallResolver()
    {
        if (_resolverInstalled)
            return;
        var ours = typeof(VipsLibrary).Assembly;
        // The context this assembly lives in: a host that loads us as a plugin uses its own.
        var context = AssemblyLoadContext.GetLoadContext(ours) ?? AssemblyLoadContext.Default;
        context.ResolvingUnmanagedDll += (Assembly assembly, string name) =>
            assembly == ours && name == VipsApi.LibraryName ? _handle : 0;
        _resolverInstalled = true;
    }

    private static void LockDown(string path, VipsLibraryOptions options)
    {
        // Every upload is different, so caching operations only holds memory; and the cache would keep
        // references to caller buffers alive longer than the decode.
        VipsApi.vips_cache_set_max(0);
        VipsApi.vips_concurrency_set(options.ThreadsPerOperation);
        VipsApi.vips_block_untrusted_set(true);
        VipsApi.vips_operation_block_set("VipsForeignLoad", true);
        foreach (var loader in AllowedLoaderClasses)
        {
            // A missing class means a different build, which might lack a format we promise: fail loudly.
            if (VipsApi.g_type_from_name(loader) == 0)
                throw new VipsLibraryException(path, $"libvips at '{path}' has no loader class {loader}; expected the pinned build {VipsLibraryOptions.PinnedFileName}.");
            VipsApi.vips_operation_block_set(loader, false);
        }
    }
}

/// <summary>The libvips library in use.</summary>
public sealed record LoadedVipsLibrary(string Path, string Version);
