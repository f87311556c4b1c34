using System.Xml.Linq;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Repository.Tests;

/// <summary>
/// The projects under src/ in the order of the data flow (README "layout", docs/architecture.md): a project may
/// reference only projects before it. Read from the .csproj files themselves, so a new reference that points
/// downstream — serving code in the model-file step, the CLI in a library — fails here.
/// </summary>
public sealed class ProjectLayeringTests
{
    /// <summary>Format and domain, the native layer, model files, serving, offline tools, the command lines, the plugin.</summary>
    public static readonly string[] DataFlowOrder =
    [
        "Gguf", "Keyphrases", "Llama", "ModelFiles", "Inference", "Cli", "Tools", "Quantize", "Finetune", "Plugin", "Plugin.DemoHost",
    ];

    [Fact]
    public void Every_project_under_src_has_a_place_in_the_data_flow()
    {
        Assert.Equal(DataFlowOrder.Order(StringComparer.Ordinal), Projects().Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void No_project_references_one_that_comes_later_in_the_data_flow()
    {
        var backwards = Projects()
            .SelectMany(p => p.Value.Select(reference => (Project: p.Key, Reference: reference)))
            .Where(edge => Array.IndexOf(DataFlowOrder, edge.Reference) >= Array.IndexOf(DataFlowOrder, edge.Project))
            .Select(edge => $"{edge.Project} → {edge.Reference}")
            .ToList();
        Assert.True(backwards.Count == 0, "references against the data flow: " + string.Join(", ", backwards));
    }

    [Fact]
    public void Model_files_and_the_native_layer_stand_below_serving()
    {
        var projects = Projects();
        Assert.DoesNotContain("Inference", projects["ModelFiles"]);
        Assert.Contains("Llama", projects["ModelFiles"]);
        Assert.Contains("Llama", projects["Inference"]);
        Assert.Equal(["Gguf", "Keyphrases"], projects["Llama"]);
    }

    [Fact]
    public void The_picture_in_docs_architecture_md_shows_exactly_the_references_of_the_code()
    {
        var text = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "docs", "architecture.md"));
        var mermaid = text[text.IndexOf("```mermaid", StringComparison.Ordinal)..];
        mermaid = mermaid[..mermaid.IndexOf("```", 3, StringComparison.Ordinal)];
        var drawn = System.Text.RegularExpressions.Regex.Matches(mermaid, @"^\s*(\w+)(?:\[[^\]]*\])?\s*-->\s*(\w+)", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => $"{Named(m.Groups[1].Value)} → {Named(m.Groups[2].Value)}")
            .Order(StringComparer.Ordinal);
        var code = Projects().SelectMany(p => p.Value.Select(r => $"{p.Key} → {r}")).Order(StringComparer.Ordinal);
        Assert.Equal(code, drawn);

        static string Named(string node) => node == "DemoHost" ? "Plugin.DemoHost" : node;
    }

    /// <summary>Each src/ project folder and the src/ project folders its .csproj references.</summary>
    private static Dictionary<string, string[]> Projects()
    {
        var src = Path.Combine(TestPaths.RepositoryRoot, "src");
        return Directory.GetFiles(src, "*.csproj", SearchOption.AllDirectories).ToDictionary(
            file => FolderOf(src, file),
            file => XDocument.Load(file).Descendants("ProjectReference")
                .Select(r => FolderOf(src, Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, r.Attribute("Include")!.Value))))
                .Distinct()
                .ToArray());
    }

    private static string FolderOf(string src, string csproj) =>
        Path.GetRelativePath(src, Path.GetDirectoryName(csproj)!).Split(Path.DirectorySeparatorChar)[0];
}
