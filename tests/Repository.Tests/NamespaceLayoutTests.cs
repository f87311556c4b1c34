using System.Text.RegularExpressions;
using System.Xml.Linq;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Repository.Tests;

/// <summary>
/// Folders say where code lives: every C# file's namespace is its project's root namespace followed by its folder
/// path, and every test project is named after the src/ project it tests. Read from the files themselves, so a file
/// moved without its namespace (or a namespace changed without a move) fails here.
/// </summary>
public sealed partial class NamespaceLayoutTests
{
    /// <summary>Test projects that check the repository as a whole or several projects at once, with no src/ twin.</summary>
    private static readonly string[] CrossCuttingTestProjects = ["Repository.Tests", "Fuzz.Tests"];

    [Fact]
    public void Every_source_file_s_namespace_is_its_project_s_root_namespace_and_folder_path()
    {
        var wrong = Mismatches("src");
        Assert.True(wrong.Count == 0, "namespace does not match the folder:\n" + string.Join("\n", wrong));
    }

    [Fact]
    public void Every_test_file_s_namespace_is_its_project_s_root_namespace_and_folder_path()
    {
        var wrong = Mismatches("tests");
        Assert.True(wrong.Count == 0, "namespace does not match the folder:\n" + string.Join("\n", wrong));
    }

    [Fact]
    public void Every_test_project_tests_a_project_under_src()
    {
        var tests = Path.Combine(TestPaths.RepositoryRoot, "tests");
        var orphans = Directory.GetFiles(tests, "*.csproj", SearchOption.AllDirectories)
            .Select(p => Path.GetFileName(Path.GetDirectoryName(p)!))
            .Where(name => !CrossCuttingTestProjects.Contains(name))
            .Where(name => !name.EndsWith(".Tests", StringComparison.Ordinal)
                || !Directory.Exists(Path.Combine(TestPaths.RepositoryRoot, "src", name[..^".Tests".Length])))
            .ToList();
        Assert.True(orphans.Count == 0, "test projects with no src/ project of the same name: " + string.Join(", ", orphans));
    }

    [Fact]
    public void The_check_reads_namespaces_as_the_compiler_does()
    {
        Assert.Equal(["DynamicCot.A.B"], Namespaces("using X;\n\nnamespace DynamicCot.A.B;\n\npublic class C;\n"));
        Assert.Equal(["DynamicCot.A"], Namespaces("namespace DynamicCot.A\n{\n    class C { }\n}\n"));
        Assert.Equal(["N1", "N2"], Namespaces("namespace N1 { }\nnamespace N2 { }\n"));
        Assert.Empty(Namespaces("// namespace Commented.Out;\nConsole.WriteLine(1);\n"));
    }

    /// <summary>"path: namespace X, expected Y" for every file under <paramref name="top"/> whose namespace differs.</summary>
    private static List<string> Mismatches(string top)
    {
        var root = TestPaths.RepositoryRoot;
        var wrong = new List<string>();
        var projects = Directory.GetFiles(Path.Combine(root, top), "*.csproj", SearchOption.AllDirectories);
        Assert.NotEmpty(projects);
        foreach (var project in projects)
        {
            var folder = Path.GetDirectoryName(project)!;
            var rootNamespace = XDocument.Load(project).Descendants("RootNamespace").Single().Value;
            foreach (var file in SourceFiles(folder))
            {
                var relative = Path.GetRelativePath(folder, Path.GetDirectoryName(file)!);
                var expected = relative == "." ? rootNamespace : rootNamespace + "." + relative.Replace(Path.DirectorySeparatorChar, '.');
                var found = Namespaces(File.ReadAllText(file));
                // Top-level statements (Program.cs) have no namespace of their own.
                if (found.Count == 0 && Path.GetFileName(file) == "Program.cs")
                    continue;
                if (found.Count != 1 || found[0] != expected)
                    wrong.Add($"{Path.GetRelativePath(root, file)}: namespace {string.Join(", ", found)}, expected {expected}");
            }
        }
        return wrong;
    }

    /// <summary>The project's own .cs files: not build output, not another project's folder below it.</summary>
    private static IEnumerable<string> SourceFiles(string projectFolder)
    {
        foreach (var file in Directory.GetFiles(projectFolder, "*.cs"))
            yield return file;
        foreach (var sub in Directory.GetDirectories(projectFolder))
        {
            var name = Path.GetFileName(sub);
            if (name is "bin" or "obj" or "node_modules" || Directory.GetFiles(sub, "*.csproj").Length > 0)
                continue;
            foreach (var file in SourceFiles(sub))
                yield return file;
        }
    }

    internal static List<string> Namespaces(string source) =>
        NamespaceDeclaration().Matches(source).Select(m => m.Groups[1].Value).ToList();

    [GeneratedRegex(@"^\s*namespace\s+([\w.]+)", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();
}
