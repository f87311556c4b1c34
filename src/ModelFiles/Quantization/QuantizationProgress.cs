using System.Text.RegularExpressions;

namespace DynamicCot.ModelFiles.Quantization;

/// <summary>Progress of a quantization: tensors done out of all, and the one just finished.</summary>
public readonly record struct QuantizationProgress(int TensorsDone, int TensorsTotal, string CurrentTensor);

/// <summary>
/// Reads progress from llama.cpp's quantizer log, which prints one line per tensor:
/// <c>[  12/ 255]  blk.1.attn_v.weight - [ 256, 64, 1, 1], type = f32, converting to q6_K .. size = …</c>.
/// </summary>
internal static partial class QuantizerLogProgress
{
    public static bool TryParse(string line, out QuantizationProgress progress)
    {
        var match = TensorLine().Match(line);
        if (!match.Success)
        {
            progress = default;
            return false;
        }
        progress = new QuantizationProgress(int.Parse(match.Groups[1].Value), int.Parse(match.Groups[2].Value), match.Groups[3].Value);
        return true;
    }

    [GeneratedRegex(@"^\s*\[\s*(\d+)\s*/\s*(\d+)\s*\]\s+(\S+)")]
    private static partial Regex TensorLine();
}
