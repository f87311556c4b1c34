using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace DynamicCot.ModelFiles.HuggingFace;

/// <summary>One memory-mapped .safetensors file. Spans it hands out are valid until it is disposed.</summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _base;
    private bool _disposed;

    private SafetensorsFile(string path, SafetensorsHeader header, MemoryMappedFile? map, MemoryMappedViewAccessor? view, byte* basePointer)
    {
        FilePath = path;
        Header = header;
        _map = map;
        _view = view;
        _base = basePointer;
    }

    public string FilePath { get; }

    public SafetensorsHeader Header { get; }

    /// <summary>Validates the header and maps the file read-only.</summary>
    public static SafetensorsFile Open(string path)
    {
        path = Path.GetFullPath(path);
        using var stream = SafetensorsHeader.OpenForRead(path);
        var header = SafetensorsHeader.Read(stream, path);
        if (stream.Length == header.DataStart)
            return new SafetensorsFile(path, header, null, null, null); // nothing to map: an empty file cannot be mapped

        var map = MemoryMappedFile.CreateFromFile(stream, mapName: null, capacity: 0, MemoryMappedFileAccess.Read,
            HandleInheritability.None, leaveOpen: false);
        MemoryMappedViewAccessor? view = null;
        try
        {
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            return new SafetensorsFile(path, header, map, view, pointer + view.PointerOffset);
        }
        catch
        {
            view?.Dispose();
            map.Dispose();
            throw;
        }
    }

    /// <summary>The stored bytes of a tensor of this file (no copy). Tensors of 2 GiB or more must be read in parts.</summary>
    public ReadOnlySpan<byte> GetBytes(SafetensorsTensorInfo tensor)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (tensor.FilePath != FilePath)
            throw new ArgumentException($"tensor \"{tensor.Name}\" lives in {tensor.FilePath}, not {FilePath}");
        if (tensor.ByteLength == 0)
            return ReadOnlySpan<byte>.Empty;
        if (tensor.ByteLength > int.MaxValue)
            throw new NotSupportedException($"tensor \"{tensor.Name}\" in {FilePath} is {tensor.ByteLength} bytes; use GetBytes(tensor, offset, length)");
        return new ReadOnlySpan<byte>(_base + tensor.DataOffset, (int)tensor.ByteLength);
    }

    /// <summary>A slice of a tensor's stored bytes, for tensors too large for one span.</summary>
    public ReadOnlySpan<byte> GetBytes(SafetensorsTensorInfo tensor, long offset, int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (offset + length > tensor.ByteLength)
            throw new ArgumentOutOfRangeException(nameof(length), $"[{offset}, {offset + length}) is outside the {tensor.ByteLength} bytes of \"{tensor.Name}\"");
        return length == 0 ? ReadOnlySpan<byte>.Empty : new ReadOnlySpan<byte>(_base + tensor.DataOffset + offset, length);
    }

    /// <summary>
    /// Tells the kernel this process no longer needs the mapped pages of <paramref name="tensor"/>
    /// (<c>madvise(MADV_DONTNEED)</c>: a read-only file mapping is simply unmapped from the resident set; the next read
    /// maps the pages again from the page cache or disk). A no-op where <c>madvise</c> is unavailable.
    /// </summary>
    public void Release(SafetensorsTensorInfo tensor)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_base is null || tensor.ByteLength == 0 || !OperatingSystem.IsLinux())
            return;
        const long page = 4096;
        var start = (long)(_base + tensor.DataOffset);
        var alignedStart = start / page * page;
        var length = start + tensor.ByteLength - alignedStart;
        try
        {
            _ = madvise((nint)alignedStart, (nuint)length, MadviseDontNeed);
        }
        catch (EntryPointNotFoundException)
        {
        }
    }

    private const int MadviseDontNeed = 4;

    [DllImport("libc", SetLastError = true)]
    private static extern int madvise(nint address, nuint length, int advice);

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
        _map?.Dispose();
    }
}
