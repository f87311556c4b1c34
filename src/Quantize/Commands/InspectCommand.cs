using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using DynamicCot.Cli;
using DynamicCot.Gguf;
using DynamicCot.Llama.Native;
using Spectre.Console;

namespace DynamicCot.Quantize.Commands;

/// <summary>
/// <c>inspect FILE.gguf [--json]</c>: header, metadata and tensor table of any GGUF file;
/// <c>inspect MODEL.gguf --tokenize TEXT [--json]</c>: llama.cpp's token ids for a string.
/// </summary>
public static class InspectCommand
{
    /// <summary>Array elements shown by default; tokenizer vocabularies have >150k and would drown everything else.</summary>
    private const int ArrayPreview = 8;

    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "The GGUF file to inspect." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of tables." };
        var allValues = new Option<bool>("--all-values") { Description = "Show every element of long arrays, not only the first few." };
        var tokenize = new Option<string>("--tokenize")
        {
            Description = "Print the token ids llama.cpp gives this text with the model's vocabulary (after NFC normalisation, special-token text parsed), instead of the tables.",
        };
        var command = new Command("inspect", "Show the metadata and tensor table of a GGUF file, or the token ids of a text.");
        command.Arguments.Add(file);
        command.Options.Add(json);
        command.Options.Add(allValues);
        command.Options.Add(tokenize);
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!.FullName;
            if (parse.GetValue(tokenize) is { } text)
            {
                InspectTokens.Write(path, text, parse.GetValue(json), Console.Out);
                return CliApplication.ExitOk;
            }
            using var gguf = GgufFile.Open(path);
            var limit = parse.GetValue(allValues) ? int.MaxValue : ArrayPreview;
            if (parse.GetValue(json))
                WriteJson(gguf, limit, Console.Out);
            else
                WriteTables(gguf, limit, OpenStdout());
            return CliApplication.ExitOk;
        });
        return command;
    }

    // Created per call on the current Console.Out, so redirected or captured output receives the tables.
    private static IAnsiConsole OpenStdout()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (Console.IsOutputRedirected)
            console.Profile.Width = 200;
        return console;
    }

    private static void WriteTables(GgufFile gguf, int arrayLimit, IAnsiConsole console)
    {
        var header = new Table().Border(TableBorder.Rounded).AddColumn("file").AddColumn("value");
        header.AddRow("path", Markup.Escape(gguf.Path));
        header.AddRow("version", gguf.Version.ToString(CultureInfo.InvariantCulture));
        header.AddRow("size", FormatBytes((ulong)gguf.FileLength));
        header.AddRow("alignment", gguf.Alignment.ToString(CultureInfo.InvariantCulture));
        header.AddRow("data offset", gguf.DataOffset.ToString(CultureInfo.InvariantCulture));
        header.AddRow("metadata entries", gguf.Metadata.Count.ToString(CultureInfo.InvariantCulture));
        header.AddRow("tensors", gguf.Tensors.Count.ToString(CultureInfo.InvariantCulture));
        console.Write(header);

        var metadata = new Table().Border(TableBorder.Rounded).AddColumn("key").AddColumn("type").AddColumn("value");
        foreach (var (key, value) in gguf.Metadata)
        {
            var type = value.IsArray ? $"{value.DescribeType()} ×{value.Count}" : value.DescribeType();
            metadata.AddRow(Markup.Escape(key), Markup.Escape(type), Markup.Escape(value.ToDisplayString(arrayLimit)));
        }
        console.Write(metadata);

        var tensors = new Table().Border(TableBorder.Rounded)
            .AddColumn(new TableColumn("#").RightAligned()).AddColumn("name").AddColumn("type").AddColumn("shape")
            .AddColumn(new TableColumn("size").RightAligned()).AddColumn(new TableColumn("offset").RightAligned());
        foreach (var t in gguf.Tensors)
        {
            tensors.AddRow(t.Index.ToString(CultureInfo.InvariantCulture), Markup.Escape(t.Name), Markup.Escape(t.TypeName), Markup.Escape(t.ShapeText),
                FormatBytes(t.ByteSize), t.Offset.ToString(CultureInfo.InvariantCulture));
        }
        console.Write(tensors);

        var byType = new Table().Border(TableBorder.Rounded).AddColumn("tensor type")
            .AddColumn(new TableColumn("tensors").RightAligned()).AddColumn(new TableColumn("size").RightAligned());
        foreach (var group in TypeSummary(gguf))
            byType.AddRow(Markup.Escape(group.Name), group.Count.ToString(CultureInfo.InvariantCulture), FormatBytes(group.Bytes));
        console.Write(byType);
    }

    private static IEnumerable<(string Name, int Count, ulong Bytes)> TypeSummary(GgufFile gguf) =>
        gguf.Tensors.GroupBy(t => t.Type).OrderBy(g => (int)g.Key)
            .Select(g => (GgmlTypeTraits.NameOf(g.Key), g.Count(), g.Aggregate(0UL, (sum, t) => sum + t.ByteSize)));

    private static void WriteJson(GgufFile gguf, int arrayLimit, TextWriter output)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("path", gguf.Path);
            json.WriteNumber("version", gguf.Version);
            json.WriteNumber("fileBytes", gguf.FileLength);
            json.WriteNumber("alignment", gguf.Alignment);
            json.WriteNumber("dataOffset", gguf.DataOffset);

            json.WriteStartObject("metadata");
            foreach (var (key, value) in gguf.Metadata)
            {
                json.WriteStartObject(key);
                json.WriteString("type", value.DescribeType());
                if (value.IsArray)
                {
                    json.WriteNumber("count", value.Count);
                    json.WritePropertyName("values");
                    WriteArray(json, value, arrayLimit);
                    json.WriteBoolean("truncated", value.Count > arrayLimit);
                }
                else
                {
                    json.WritePropertyName("value");
                    WriteScalar(json, value.RawValue);
                }
                json.WriteEndObject();
            }
            json.WriteEndObject();

            json.WriteStartArray("tensors");
            foreach (var t in gguf.Tensors)
            {
                json.WriteStartObject();
                json.WriteString("name", t.Name);
                json.WriteString("type", t.TypeName);
                json.WriteStartArray("shape");
                foreach (var d in t.Dimensions)
                    json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteNumber("bytes", t.ByteSize);
                json.WriteNumber("offset", t.Offset);
                json.WriteEndObject();
            }
            json.WriteEndArray();

            json.WriteStartObject("tensorTypes");
            foreach (var (name, count, bytes) in TypeSummary(gguf))
            {
                json.WriteStartObject(name);
                json.WriteNumber("tensors", count);
                json.WriteNumber("bytes", bytes);
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    private static void WriteArray(Utf8JsonWriter json, GgufValue value, int limit)
    {
        json.WriteStartArray();
        var items = (Array)value.RawValue;
        var shown = Math.Min(items.Length, limit);
        for (var i = 0; i < shown; i++)
        {
            var item = items.GetValue(i)!;
            if (item is GgufValue nested)
                WriteArray(json, nested, limit);
            else
                WriteScalar(json, item);
        }
        json.WriteEndArray();
    }

    private static void WriteScalar(Utf8JsonWriter json, object value)
    {
        switch (value)
        {
            case string s: json.WriteStringValue(s); break;
            case bool b: json.WriteBooleanValue(b); break;
            // JSON has no NaN or infinities; those are written as strings.
            case float f when !float.IsFinite(f): json.WriteStringValue(f.ToString(CultureInfo.InvariantCulture)); break;
            case double d when !double.IsFinite(d): json.WriteStringValue(d.ToString(CultureInfo.InvariantCulture)); break;
            case float f: json.WriteNumberValue(f); break;
            case double d: json.WriteNumberValue(d); break;
            case ulong u: json.WriteNumberValue(u); break;
            case long l: json.WriteNumberValue(l); break;
            default: json.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture)); break;
        }
    }

    private static string FormatBytes(ulong bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.0} KiB",
        < 1024UL * 1024 * 1024 => $"{bytes / 1048576.0:0.0} MiB",
        _ => $"{bytes / 1073741824.0:0.00} GiB",
    };
}
