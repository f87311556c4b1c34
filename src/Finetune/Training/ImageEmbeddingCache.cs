using System.Security.Cryptography;
using DynamicCot.Finetune.ModelInputs;
using DynamicCot.Inference.Images;
using DynamicCot.Inference.Llama;
using DynamicCot.Llama.Native;
using DynamicCot.Keyphrases.Prompting;

namespace DynamicCot.Finetune.Training;

/// <summary>
/// Image embeddings from the frozen vision tower (mtmd with the model's mmproj), computed once per image and kept on
/// disk, keyed by the image bytes, the mmproj file and the image token budget — the vision tower never changes during
/// training, so every epoch reuses them.
/// </summary>
public sealed class ImageEmbeddingCache : IDisposable
{
    private const uint Magic = 0x44434945; // "EICD"
    private const int Version = 1;
    private readonly string _directory;
    private readonly MtmdContext _projector;
    private readonly ImageDecoder _decoder;
    private readonly string _projectorKey;
    private readonly int _embeddingSize;

    public ImageEmbeddingCache(string directory, MtmdContext projector, ImageDecoderOptions? decoding = null, int imageMaxTokens = ImageTokenBudget.ProjectorDefault)
    {
        _directory = directory;
        _projector = projector;
        _decoder = new ImageDecoder(decoding);
        _embeddingSize = projector.Model.InputEmbeddingSize;
        Directory.CreateDirectory(directory);
        using var stream = File.OpenRead(projector.Path);
        _projectorKey = Convert.ToHexString(SHA256.HashData(stream))[..16] + $"-t{imageMaxTokens}";
    }

    public int Hits { get; private set; }
    public int Misses { get; private set; }

    public ImageSegment Get(string imagePath)
    {
        var bytes = File.ReadAllBytes(imagePath);
        var key = Convert.ToHexString(SHA256.HashData(bytes))[..32] + "-" + _projectorKey;
        var file = Path.Combine(_directory, key + ".bin");
        if (File.Exists(file))
        {
            try
            {
                var cached = Read(file);
                Hits++;
                return cached;
            }
            catch (InvalidDataException)
            {
                File.Delete(file); // a torn write from an interrupted run; recompute
            }
        }
        Misses++;
        var segment = Compute(bytes, Path.GetFileName(imagePath));
        Write(file, segment);
        return segment;
    }

    private ImageSegment Compute(byte[] bytes, string label)
    {
        var image = _decoder.Decode(bytes, label);
        using var bitmap = MtmdBitmap.FromRgb(image.Width, image.Height, image.Rgb.Span);
        using var chunks = _projector.Tokenize(_projector.Marker, [bitmap]);
        var chunk = chunks.Chunks.Single(c => c.Type == MtmdInputChunkType.Image);
        var embeddings = _projector.EncodeImage(chunk);
        var rows = new int[chunk.TokenCount];
        var columns = new int[chunk.TokenCount];
        for (var i = 0; i < chunk.TokenCount; i++)
        {
            var position = chunk.DecoderPosition(0, i);
            rows[i] = (int)position.Y;
            columns[i] = (int)position.X;
        }
        return new ImageSegment(embeddings, rows, columns, chunk.PositionCount);
    }

    private void Write(string file, ImageSegment segment)
    {
        var temporary = file + ".partial";
        using (var writer = new BinaryWriter(File.Create(temporary)))
        {
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write(segment.TokenCount);
            writer.Write(_embeddingSize);
            writer.Write(segment.Positions);
            foreach (var r in segment.RowOffsets) writer.Write(r);
            foreach (var c in segment.ColumnOffsets) writer.Write(c);
            foreach (var v in segment.Embeddings) writer.Write(v);
        }
        File.Move(temporary, file, overwrite: true);
    }

    private ImageSegment Read(string file)
    {
        using var reader = new BinaryReader(File.OpenRead(file));
        try
        {
            if (reader.ReadUInt32() != Magic || reader.ReadInt32() != Version)
                throw new InvalidDataException($"{file}: not an embedding cache entry.");
            var tokens = reader.ReadInt32();
            var width = reader.ReadInt32();
            var positions = reader.ReadInt32();
            if (width != _embeddingSize || tokens <= 0 || tokens > 1 << 16)
                throw new InvalidDataException($"{file}: cached for another model.");
            var rows = new int[tokens];
            var columns = new int[tokens];
            for (var i = 0; i < tokens; i++) rows[i] = reader.ReadInt32();
            for (var i = 0; i < tokens; i++) columns[i] = reader.ReadInt32();
            var values = new float[tokens * width];
            for (var i = 0; i < values.Length; i++) values[i] = reader.ReadSingle();
            return new ImageSegment(values, rows, columns, positions);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{file}: truncated.");
        }
    }

    public void Dispose() => _decoder.Dispose();
}
