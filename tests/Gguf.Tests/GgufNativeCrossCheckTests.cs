using DynamicCot.Gguf;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Gguf.Tests;

/// <summary>Our GGUF files against llama.cpp's own gguf reader and writer (the pinned native build).</summary>
public class GgufNativeCrossCheckTests
{
    [Theory]
    [InlineData(32u)]
    [InlineData(64u)]
    public void FilesWeWriteAreReadIdenticallyByLlamaCpp(uint alignment)
    {
        using var temp = TestPaths.NewTempFolder();
        var path = temp.File("ours.gguf");
        var metadata = GgufSamples.NativeCompatibleMetadata(alignment);
        var tensors = GgufSamples.Tensors();
        var writer = GgufSamples.Writer(metadata, tensors);
        writer.WriteTo(path);
        var layout = writer.ComputeLayout();

        var native = NativeGguf.Read(path);
        Assert.Equal(3u, native.Version);
        Assert.Equal(alignment, native.Alignment);
        Assert.Equal((ulong)layout.DataOffset, native.DataOffset);
        Assert.Equal(metadata, native.Metadata);
        Assert.Equal(tensors.Count, native.Tensors.Count);
        for (var i = 0; i < tensors.Count; i++)
        {
            var expected = tensors[i];
            var actual = native.Tensors[i];
            Assert.Equal(expected.Name, actual.Name);
            Assert.Equal(expected.Type, actual.Type);
            Assert.Equal(expected.Dims.Select(d => (long)d).Concat(Enumerable.Repeat(1L, 4 - expected.Dims.Length)), actual.Ne);
            Assert.Equal(layout.TensorOffsets[i], actual.Offset);
            Assert.Equal((ulong)expected.Data.Length, actual.Size);
            Assert.Equal(expected.Data, actual.Data);
        }
    }

    [Fact]
    public void FilesLlamaCppWritesAreReadIdenticallyByUs()
    {
        const uint alignment = 32;
        using var temp = TestPaths.NewTempFolder();
        var path = temp.File("native.gguf");
        var metadata = GgufSamples.NativeCompatibleMetadata(alignment);
        var tensors = GgufSamples.Tensors();
        NativeGguf.Write(path, metadata, tensors);
        var native = NativeGguf.Read(path, withData: false);

        using var file = GgufFile.Open(path);
        Assert.Equal(native.Version, file.Version);
        Assert.Equal(alignment, file.Alignment);
        Assert.Equal(native.DataOffset, (ulong)file.DataOffset);
        Assert.Equal(metadata, file.Metadata.ToArray());
        Assert.Equal(tensors.Count, file.Tensors.Count);
        for (var i = 0; i < tensors.Count; i++)
        {
            Assert.Equal(tensors[i].Name, file.Tensors[i].Name);
            Assert.Equal(tensors[i].Type, file.Tensors[i].Type);
            Assert.Equal(tensors[i].Dims, file.Tensors[i].Dimensions);
            Assert.Equal(native.Tensors[i].Offset, file.Tensors[i].Offset);
            Assert.Equal(tensors[i].Data, file.GetTensorData(file.Tensors[i]).ToArray());
        }
    }

    [Fact]
    public void OurBytesEqualLlamaCppBytesForTheSameContent()
    {
        using var temp = TestPaths.NewTempFolder();
        var metadata = GgufSamples.NativeCompatibleMetadata();
        NativeGguf.Write(temp.File("native.gguf"), metadata, GgufSamples.Tensors());
        GgufSamples.Writer(metadata, GgufSamples.Tensors()).WriteTo(temp.File("ours.gguf"));
        Assert.Equal(File.ReadAllBytes(temp.File("native.gguf")), File.ReadAllBytes(temp.File("ours.gguf")));

        // Without tensors llama.cpp still pads the header; so do we.
        NativeGguf.Write(temp.File("native-meta.gguf"), metadata, []);
        GgufSamples.Writer(metadata, []).WriteTo(temp.File("ours-meta.gguf"));
        Assert.Equal(File.ReadAllBytes(temp.File("native-meta.gguf")), File.ReadAllBytes(temp.File("ours-meta.gguf")));
    }

    /// <summary>
    /// Found while cross-checking: llama.cpp's writer pads with its context's alignment, which gguf_set_val_u32 of
    /// general.alignment does not update, so a non-default alignment yields a file whose offsets contradict its own key.
    /// llama.cpp then refuses to read it, and so do we, with a clear error. Our writer honours the key (tests above).
    /// </summary>
    [Fact]
    public void LlamaCppWriterIgnoresASetAlignmentAndWeRejectTheResult()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = temp.File("native-64.gguf");
        NativeGguf.Write(path, GgufSamples.NativeCompatibleMetadata(64), GgufSamples.Tensors());
        var error = Assert.Throws<GgufFormatException>(() => GgufFile.Open(path));
        Assert.Contains("not a multiple of the alignment 64", error.Message);
    }
}
