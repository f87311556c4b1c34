using DynamicCot.Keyphrases.Data;
using DynamicCot.Tests.Shared;
using Xunit.Abstractions;

namespace DynamicCot.Fuzz.Tests;

/// <summary>
/// The dataset and prediction readers on mutated JSONL (broken JSON, wrong field types, huge numbers, control
/// characters, truncated lines). Pass: posts read, or a <see cref="DatasetFormatException"/> naming file and line.
/// </summary>
public sealed class DatasetFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _folder = TestPaths.NewTempFolder("dynamiccot-fuzz-data");

    private static IReadOnlyList<byte[]> Seeds() =>
    [
        File.ReadAllBytes(TestPaths.Data("vmu16_small_events", "data.jsonl")).Take(4000).ToArray(),
        string.Join('\n', File.ReadLines(TestPaths.Data("cmkp_dev", "train_sample200.jsonl")).Take(5)).Select(c => (byte)c).ToArray(),
        FuzzRun.Utf8("{\"id\":\"p1\",\"text\":\"Spreetunnel in Berlin\",\"keyphrases\":[\"berlin\",\"tunnel\"],\"image\":\"images/a.jpg\",\"rationale\":\"a tunnel\"}\n"),
        FuzzRun.Utf8("{\"id\":\"p1\",\"keyphrases\":[\"berlin\"],\"rationale\":null}\n{\"id\":\"p2\",\"keyphrases\":[]}\n"),
    ];

    private FuzzOutcome Execute(byte[] input)
    {
        var path = Path.Combine(_folder.Path, "data.jsonl");
        File.WriteAllBytes(path, input);
        try
        {
            _ = DatasetReader.ReadAll(path);
            _ = PredictionFile.ReadById(path);
            return FuzzOutcome.Result;
        }
        catch (DatasetFormatException)
        {
            return FuzzOutcome.TypedError;
        }
    }

    [Fact]
    public void Mutated_jsonl_reads_or_raises_a_dataset_error() => new FuzzRun("dataset", output).Run(Seeds(), Execute);

    public void Dispose() => _folder.Dispose();
}
