namespace DynamicCot.Keyphrases.Images.Native;

/// <summary>
/// One libvips operation called by nickname through GObject properties: the non-variadic equivalent of
/// <c>vips_call("thumbnail_buffer", …, NULL)</c>. Each setter looks the property up first, so a misspelt name or a
/// value of the wrong kind is an exception here rather than a glib warning and a silently ignored argument.
/// </summary>
/// <remarks>Not thread-safe; create one per call. Disposing releases the operation and its outputs.</remarks>
internal sealed unsafe class VipsOperation : IDisposable
{
    // GObject ABI: an instance starts with its class pointer (GTypeInstance.g_class), and a GParamSpec holds its
    // value type after the type instance (8), the name (8) and the flags (4, padded to 8).
    private const int ParamSpecValueTypeOffset = 24;

    private SafeVipsOperationHandle _operation;
    private bool _built;

    private VipsOperation(string nickname, SafeVipsOperationHandle operation)
    {
        Nickname = nickname;
        _operation = operation;
    }

    public string Nickname { get; }

    public static VipsOperation Create(string nickname)
    {
        VipsLibrary.EnsureInitialized();
        var handle = VipsErrors.CheckHandle(VipsApi.vips_operation_new(nickname), $"vips_operation_new(\"{nickname}\")");
        return new VipsOperation(nickname, handle);
    }

    public VipsOperation Set(string name, int number)
    {
        var value = Init(name, GFundamentalType.Int);
        VipsApi.g_value_set_int(&value, number);
        return Assign(name, &value);
    }

    public VipsOperation Set(string name, bool flag)
    {
        var value = Init(name, GFundamentalType.Boolean);
        VipsApi.g_value_set_boolean(&value, flag ? 1 : 0);
        return Assign(name, &value);
    }

    public VipsOperation Set(string name, double number)
    {
        var value = Init(name, GFundamentalType.Double);
        VipsApi.g_value_set_double(&value, number);
        return Assign(name, &value);
    }

    public VipsOperation Set(string name, string text)
    {
        var value = Init(name, GFundamentalType.String);
        VipsApi.g_value_set_string(&value, text);
        return Assign(name, &value);
    }

    /// <summary>Sets an enum property by its libvips nickname, e.g. <c>size = "down"</c>.</summary>
    public VipsOperation SetEnum(string name, string nick)
    {
        var value = Init(name, GFundamentalType.Enum);
        var number = VipsApi.vips_enum_from_nick(Nickname, value.GType, nick);
        if (number < 0)
        {
            VipsApi.g_value_unset(&value);
            throw VipsErrors.Capture($"{Nickname}: {name} = \"{nick}\"");
        }
        VipsApi.g_value_set_enum(&value, number);
        return Assign(name, &value);
    }

    public VipsOperation Set(string name, SafeVipsImageHandle image)
    {
        var value = Init(name, GFundamentalType.Object);
        var added = false;
        image.DangerousAddRef(ref added);
        try
        {
            VipsApi.g_value_set_object(&value, image.DangerousGetHandle()); // takes its own reference
        }
        finally
        {
            image.DangerousRelease();
        }
        return Assign(name, &value);
    }

    /// <summary>Sets a <c>VipsBlob</c> property to a copy of <paramref name="bytes"/>, so no caller memory is pinned for the operation's lifetime.</summary>
    public VipsOperation SetBlob(string name, ReadOnlySpan<byte> bytes)
    {
        nint blob;
        fixed (byte* data = bytes)
            blob = VipsErrors.CheckPointer(VipsApi.vips_blob_copy(data, (nuint)bytes.Length), "vips_blob_copy");
        return SetBoxedAndRelease(name, blob);
    }

    public VipsOperation Set(string name, ReadOnlySpan<double> numbers)
    {
        nint array;
        fixed (double* data = numbers)
            array = VipsErrors.CheckPointer(VipsApi.vips_array_double_new(data, numbers.Length), "vips_array_double_new");
        return SetBoxedAndRelease(name, array);
    }

    public VipsOperation Set(string name, IReadOnlyList<SafeVipsImageHandle> images)
    {
        var pointers = new nint[images.Count];
        for (var i = 0; i < images.Count; i++)
            pointers[i] = images[i].DangerousGetHandle(); // the caller keeps the handles alive for this call
        nint array;
        fixed (nint* data = pointers)
            array = VipsErrors.CheckPointer(VipsApi.vips_array_image_new(data, pointers.Length), "vips_array_image_new");
        GC.KeepAlive(images);
        return SetBoxedAndRelease(name, array);
    }

    /// <summary>Runs the operation. Throws <see cref="VipsNativeException"/> with libvips' reason when it fails.</summary>
    public VipsOperation Build()
    {
        if (_built)
            throw new InvalidOperationException($"{Nickname} was already built.");
        var built = VipsApi.vips_cache_operation_build(_operation);
        if (built == 0)
        {
            var failure = VipsErrors.Capture(Nickname);
            VipsApi.vips_object_unref_outputs(_operation);
            throw failure;
        }
        // The build hands back a new reference, possibly to a different (cached) operation object.
        _operation.Dispose();
        _operation = new SafeVipsOperationHandle(built);
        _built = true;
        return this;
    }

    /// <summary>A new reference to an image output (e.g. <c>out</c>) of the built operation.</summary>
    public SafeVipsImageHandle GetImage(string name)
    {
        var value = Init(name, GFundamentalType.Object);
        try
        {
            VipsApi.g_object_get_property(_operation, name, &value);
            var image = VipsApi.g_value_get_object(&value);
            if (image == 0)
                throw new VipsNativeException(Nickname, $"libvips {Nickname} produced no '{name}' image.");
            return new SafeVipsImageHandle(VipsApi.g_object_ref(image));
        }
        finally
        {
            VipsApi.g_value_unset(&value);
        }
    }

    /// <summary>A copy of a blob output (e.g. <c>buffer</c> of a saver) of the built operation.</summary>
    public byte[] GetBlob(string name)
    {
        var value = Init(name, GFundamentalType.Boxed);
        try
        {
            VipsApi.g_object_get_property(_operation, name, &value);
            var blob = VipsApi.g_value_get_boxed(&value);
            if (blob == 0)
                throw new VipsNativeException(Nickname, $"libvips {Nickname} produced no '{name}' buffer.");
            nuint length;
            var data = VipsApi.vips_blob_get(blob, &length);
            return new ReadOnlySpan<byte>(data, checked((int)length)).ToArray();
        }
        finally
        {
            VipsApi.g_value_unset(&value);
        }
    }

    public void Dispose()
    {
        if (_operation.IsClosed)
            return;
        if (_built)
            VipsApi.vips_object_unref_outputs(_operation);
        _operation.Dispose();
    }

    private VipsOperation SetBoxedAndRelease(string name, nint boxed)
    {
        try
        {
            var value = Init(name, GFundamentalType.Boxed);
            VipsApi.g_value_set_boxed(&value, boxed); // copies the boxed value, i.e. adds a reference
            return Assign(name, &value);
        }
        finally
        {
            VipsApi.vips_area_unref(boxed);
        }
    }

    /// <summary>A zeroed GValue initialised to the property's own type, after checking its kind.</summary>
    private GValue Init(string name, nint expectedFundamental)
    {
        var type = PropertyType(name);
        var fundamental = VipsApi.g_type_fundamental(type);
        if (fundamental != expectedFundamental)
            throw new ArgumentException($"libvips {Nickname}: property '{name}' has fundamental type {fundamental}, not {expectedFundamental}.", nameof(name));
        var value = default(GValue);
        VipsApi.g_value_init(&value, type);
        return value;
    }

    private nint PropertyType(string name)
    {
        var added = false;
        _operation.DangerousAddRef(ref added);
        try
        {
            var objectClass = *(nint*)_operation.DangerousGetHandle();
            var spec = VipsApi.g_object_class_find_property(objectClass, name);
            if (spec == 0)
                throw new ArgumentException($"libvips {Nickname} has no property '{name}'.", nameof(name));
            return *(nint*)((byte*)spec + ParamSpecValueTypeOffset);
        }
        finally
        {
            _operation.DangerousRelease();
        }
    }

    private VipsOperation Assign(string name, GValue* value)
    {
        try
        {
            VipsApi.g_object_set_property(_operation, name, value);
        }
        finally
        {
            VipsApi.g_value_unset(value);
        }
        return this;
    }
}
