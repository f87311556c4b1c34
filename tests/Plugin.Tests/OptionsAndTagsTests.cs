using DynamicCot.Plugin.Configuration;
using DynamicCot.Plugin.Tagging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DynamicCot.Plugin.Tests;

public sealed class OptionsAndTagsTests
{
    [Fact]
    public void Bad_settings_fail_at_registration_with_messages_naming_each_setting()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DynamicCot:Engine:ModelPath"] = "/nonexistent/model.gguf",
            ["DynamicCot:MinConfidence"] = "1.5",
            ["DynamicCot:DocumentTypes:article:TextProperties:0"] = "body",
            ["DynamicCot:JobStore:Provider"] = "Postgres",
            ["DynamicCot:Throttle:MaxItemsPerSecond"] = "0",
        }).Build();
        var error = Assert.Throws<OptionsValidationException>(() => new ServiceCollection().AddDynamicCot(config, Path.GetTempPath()));
        var message = string.Join("\n", error.Failures);
        // A missing model file is not among them: the site starts and suggestions say what is missing (ModelLoadTests).
        Assert.DoesNotContain("ModelPath", message);
        Assert.Contains("DynamicCot:MinConfidence must be between 0 and 1; got 1.5", message);
        Assert.Contains("DynamicCot:DocumentTypes:article:TagsProperty is required", message);
        Assert.Contains("DynamicCot:JobStore:ConnectionString is required", message);
        Assert.Contains("DynamicCot:Throttle:MaxItemsPerSecond must be positive", message);
    }

    [Fact]
    public void Defaults_are_valid()
    {
        Assert.True(new DynamicCotOptionsValidator().Validate(null, new DynamicCotOptions()).Succeeded);
    }

    [Fact]
    public void Tags_are_stored_as_a_json_array_or_delimited_text_in_order()
    {
        string[] tags = ["umbraco", " ai ", "", "Berlin wall"];
        Assert.Equal("[\"umbraco\",\"ai\",\"Berlin wall\"]", TagStorageFormat.Json.Encode(tags));
        Assert.Equal("umbraco,ai,Berlin wall", TagStorageFormat.Csv.Encode(tags));
        // Umbraco's TagConfiguration default delimiter '\0' means a comma.
        Assert.Equal("umbraco,ai,Berlin wall", new TagStorageFormat(TagStorage.Csv, '\0').Encode(tags));
        Assert.Equal("a;b c", new TagStorageFormat(TagStorage.Csv, ';').Encode(["a", "b;c"]));

        Assert.Equal(["umbraco", "ai"], TagStorageFormat.Json.Decode("[\"umbraco\",\"ai\"]"));
        Assert.Equal(["umbraco", "ai"], TagStorageFormat.Csv.Decode("umbraco, ai,"));
        Assert.Equal(["x", "y"], TagStorageFormat.Csv.Decode("[\"x\",\"y\"]")); // data type switched after content existed
        Assert.Empty(TagStorageFormat.Json.Decode(null));
    }

    [Theory]
    [InlineData(TagMergePolicy.KeepEditorTagsAndAdd, "Berlin", "Berlin|wall|sky")]
    [InlineData(TagMergePolicy.Replace, "Berlin", "berlin|wall|sky")]
    [InlineData(TagMergePolicy.OnlyWhenEmpty, "Berlin", null)]
    [InlineData(TagMergePolicy.OnlyWhenEmpty, "", "berlin|wall|sky")]
    public void Merge_policies(TagMergePolicy policy, string editorTags, string? expected)
    {
        var editor = editorTags.Split('|', StringSplitOptions.RemoveEmptyEntries);
        var merged = TagMerger.Merge(editor, ["berlin", "wall", "sky", "WALL"], policy);
        Assert.Equal(expected, merged is null ? null : string.Join("|", merged));
    }
}
