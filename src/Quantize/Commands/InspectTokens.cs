using System.Globalization;
using System.Text;
using System.Text.Json;
using DynamicCot.Inference.Llama;
using DynamicCot.Keyphrases.Prompting;
using DynamicCot.Llama.Native;

namespace DynamicCot.Quantize.Commands;

/// <summary>
/// <c>inspect MODEL.gguf --tokenize TEXT</c>: the token ids llama.cpp gives a string, after the same Unicode NFC
/// normalisation serving and training apply (Qwen's tokenizer.json normalises, llama.cpp does not). Special-token text
/// such as <c>&lt;|im_start|&gt;</c> is parsed into its control token, as in a prompt. Only the vocabulary is loaded.
/// </summary>
internal static class InspectTokens
{
    public static void Write(string modelPath, string text, bool asJson, TextWriter output)
    {
        var normalized = KeyphrasePromptBuilder.ForTokenizer(text);
        using var model = LlamaModel.Load(modelPath, new LlamaModelOptions { VocabularyOnly = true, GpuLayers = 0 });
        var tokens = model.Vocab.Tokenize(normalized, addSpecial: false, parseSpecial: true);
        if (asJson)
            WriteJson(model, text, normalized, tokens, output);
        else
            WriteLines(model, tokens, output);
    }

    private static void WriteJson(LlamaModel model, string text, string normalized, LlamaToken[] tokens, TextWriter output)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("model", model.Path);
            json.WriteString("text", text);
            json.WriteBoolean("normalized", !string.Equals(text, normalized, StringComparison.Ordinal));
            json.WriteNumber("count", tokens.Length);
            json.WriteStartArray("ids");
            foreach (var token in tokens)
                json.WriteNumberValue(token.Value);
            json.WriteEndArray();
            // A byte-level token can hold part of a multi-byte character, so each piece is its bytes in hex as well.
            json.WriteStartArray("pieces");
            foreach (var token in tokens)
            {
                var bytes = model.Vocab.TokenToBytes(token, special: true);
                json.WriteStartObject();
                json.WriteNumber("id", token.Value);
                json.WriteString("text", Encoding.UTF8.GetString(bytes));
                json.WriteString("bytes", Convert.ToHexStringLower(bytes));
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        output.WriteLine(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    private static void WriteLines(LlamaModel model, LlamaToken[] tokens, TextWriter output)
    {
        output.WriteLine(string.Join(' ', tokens.Select(t => t.Value.ToString(CultureInfo.InvariantCulture))));
        foreach (var token in tokens)
            output.WriteLine($"{token.Value,8}  {JsonSerializer.Serialize(Encoding.UTF8.GetString(model.Vocab.TokenToBytes(token, special: true)))}");
    }
}
