using System.Text.RegularExpressions;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Repository.Tests;

/// <summary>
/// Values with one owner stay with it: a cheap text check over src/ that fails when a second definition appears
/// (a thread default from <c>Environment.ProcessorCount</c>, the OpenMP variable, an image budget as a bare number,
/// the GGUF key of the recorded budget).
/// </summary>
public sealed partial class OneDefinitionTests
{
    public static TheoryData<string, string, string> Owners => new()
    {
        { "the thread default", @"Environment\.ProcessorCount", "src/Llama/LlamaThreads.cs" },
        { "the OpenMP wait policy", "\"OMP_WAIT_POLICY\"", "src/Llama/OpenMpEnvironment.cs" },
        { "the recorded image budget's GGUF key", "\"dynamiccot\\.image_max_tokens\"", "src/Keyphrases/Prompting/ServingProfile.cs" },
        { "the image budget's defaults", @"(ImageM(ax|in)Tokens\s*\{[^}]*\}\s*=\s*-?\d|[iI]mageMaxTokens\s*=\s*-1\b|DefaultValueFactory = _ => 256\b)", "src/Keyphrases/Prompting/ImageTokenBudget.cs" },
    };

    [Theory]
    [MemberData(nameof(Owners))]
    public void A_value_is_defined_only_by_its_owner(string what, string pattern, string owner)
    {
        var regex = new Regex(pattern);
        var src = Path.Combine(TestPaths.RepositoryRoot, "src");
        var elsewhere = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Select(file => (Path: Path.GetRelativePath(TestPaths.RepositoryRoot, file).Replace('\\', '/'), Lines: File.ReadAllLines(file)))
            .Where(f => f.Path != owner)
            .SelectMany(f => f.Lines.Select((line, i) => (f.Path, Line: i + 1, Text: line)))
            .Where(l => !l.Text.TrimStart().StartsWith("//", StringComparison.Ordinal) && regex.IsMatch(l.Text))
            .Select(l => $"{l.Path}:{l.Line}")
            .ToList();
        Assert.True(elsewhere.Count == 0, $"{what} belongs to {owner}; also defined at {string.Join(", ", elsewhere)}");
        Assert.True(File.Exists(Path.Combine(TestPaths.RepositoryRoot, owner)), owner);
    }
}
