using System.Runtime.InteropServices;

namespace DynamicCot.Keyphrases.Images.Native;

/// <summary>One owned reference to a GObject (a libvips image or operation); releasing it calls <c>g_object_unref</c>.</summary>
internal abstract class SafeGObjectHandle : SafeHandle
{
    protected SafeGObjectHandle() : base(0, ownsHandle: true) { }

    protected SafeGObjectHandle(nint owned) : base(0, ownsHandle: true) => SetHandle(owned);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        VipsApi.g_object_unref(handle);
        return true;
    }
}

/// <summary>A reference to a <c>VipsImage</c>.</summary>
internal sealed class SafeVipsImageHandle : SafeGObjectHandle
{
    public SafeVipsImageHandle() { }

    /// <summary>Takes ownership of a reference the caller already holds.</summary>
    public SafeVipsImageHandle(nint owned) : base(owned) { }
}

/// <summary>A reference to a <c>VipsOperation</c>.</summary>
internal sealed class SafeVipsOperationHandle : SafeGObjectHandle
{
    public SafeVipsOperationHandle() { }

    /// <summary>Takes ownership of a reference the caller already holds.</summary>
    public SafeVipsOperationHandle(nint owned) : base(owned) { }
}
