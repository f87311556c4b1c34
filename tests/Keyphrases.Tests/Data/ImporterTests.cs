using DynamicCot.Keyphrases.Data;
using DynamicCot.Keyphrases.Data.Import;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Keyphrases.Tests.Data;

/// <summary>Imports the real fixture sets and reads the results back through the strict reader.</summary>
public sealed class ImporterTests
{
    private static List<KeyphrasePost> ImportAndReadBack(DatasetImportFormat format, string source, TempFolder folder, bool imagesExist = false)
    {
        var output = folder.File("imported.jsonl");
        var written = DatasetImporter.Import(format, source, output);
        var posts = DatasetReader.ReadAll(output, requireImagesExist: imagesExist);
        Assert.Equal(written, posts.Count);
        return posts;
    }

    [Fact]
    public void Imports_CMKP_validation_split()
    {
        using var folder = TestPaths.NewTempFolder();
        var posts = ImportAndReadBack(DatasetImportFormat.Cmkp, TestPaths.Data("cmkp_dev", "valid.jsonl"), folder);
        Assert.Equal(5370, posts.Count);
        Assert.Equal("cmkp-valid-00000", posts[0].Id);
        Assert.Equal("this is everything ! so excited to see these two at kca tomorrow !", posts[0].Text);
        Assert.Equal(["kca"], posts[0].Keyphrases);
        Assert.All(posts, p => Assert.Equal("valid", p.Split));
        Assert.All(posts, p => Assert.Null(p.Image)); // only URLs ship with CMKP
    }

    [Fact]
    public void Imports_VMU_posts_with_the_CMKP_text_rule_and_their_images()
    {
        using var folder = TestPaths.NewTempFolder();
        var posts = ImportAndReadBack(DatasetImportFormat.Vmu, TestPaths.Data("vmu16_small_events", "data.jsonl"), folder, imagesExist: true);
        Assert.Equal(54, posts.Count);
        var byId = posts.ToDictionary(p => p.Id);

        // trailing "#uhoh" dropped, inline "#SouthKorea." kept as a word, URLs gone
        var kidfail = posts.Single(p => p.Keyphrases.SequenceEqual(["kidfail", "south korea", "uhoh"]));
        Assert.Equal("kidfail “@FathomWaytoGo: Toddler draws on dad's passport, strands him in SouthKorea.", kidfail.Text);

        // escaped newlines and a trailing run of five hashtags
        var halfWit = posts.Single(p => p.Text.StartsWith("Half-wit", StringComparison.Ordinal));
        Assert.Equal("Half-wit plus half-baked equals a whole lot of Russian fail!", halfWit.Text);

        // &amp; decoded; "#his & #hers" are inline, trailing "#Sochi" dropped
        var his = posts.Single(p => p.Keyphrases.SequenceEqual(["his", "hers", "sochi"]));
        Assert.Equal("I don't think this will catch on.. his & hers toilets?", his.Text);

        Assert.All(posts, p => Assert.DoesNotContain("http", p.Text));
        Assert.All(posts, p => Assert.StartsWith("../", p.Image!)); // rebased from the source folder to the temp folder
        Assert.Equal("vmu16-dev-473478254616387584", byId["vmu16-dev-473478254616387584"].Id);
    }

    [Theory]
    [InlineData("|one # two", "|one # two")] // a lone '#' is not a hashtag
    [InlineData("#a #b", "")]                 // all hashtags: nothing left
    [InlineData("go #team go #win !", "go team go")]
    [InlineData(@"#pigfish was up http: \/\/t.co\/xCCzla3lmc", "pigfish was up")] // mangled link in the crawl
    public void Tweet_text_rule_edge_cases(string raw, string expected) =>
        Assert.Equal(expected.TrimStart('|'), TweetText.ToCmkpStyle(raw.TrimStart('|')));

    [Fact]
    public void Imports_flickr_photos_with_title_as_text_and_tags_as_keyphrases()
    {
        using var folder = TestPaths.NewTempFolder();
        var posts = ImportAndReadBack(DatasetImportFormat.Flickr, TestPaths.Data("flickr10", "data.jsonl"), folder, imagesExist: true);
        Assert.Equal(10, posts.Count);
        var first = posts[0];
        Assert.Equal("Eastern", first.Text);
        Assert.Equal(["Los Angeles", "California", "building"], first.Keyphrases);
    }

    [Theory]
    [InlineData("Inspec.jsonl", 2000)]
    [InlineData("SemEval2010.jsonl", 243)]
    [InlineData("KPTimes_train_sample10.jsonl", 10)]
    public void Imports_text_keyphrase_sets(string file, int count)
    {
        using var folder = TestPaths.NewTempFolder();
        var posts = ImportAndReadBack(DatasetImportFormat.TextKp, TestPaths.Data("text_kp", file), folder);
        Assert.Equal(count, posts.Count);
        Assert.All(posts, p => Assert.Equal(p.Keyphrases.Count, p.Keyphrases.Distinct().Count()));
        if (file == "Inspec.jsonl")
        {
            // Inspec-100 lists "investment" twice; the import keeps it once
            var post = posts.Single(p => p.Id == "Inspec-100");
            Assert.Equal(["separate-account industry", "Web-based platforms", "independent money managers", "investment", "financial advisors"], post.Keyphrases);
        }
        if (file.StartsWith("KPTimes", StringComparison.Ordinal))
            Assert.StartsWith("Muslim Women in Hijab Break Barriers", posts.Single(p => p.Id == "ny0296216").Text);
    }

    [Fact]
    public void Imports_upstream_CMKP_src_lines()
    {
        using var folder = TestPaths.NewTempFolder();
        var source = folder.File("test_src.txt");
        File.WriteAllLines(source, ["so excited for kca ! <sep> kca;kids choice", "bad line without separator"]);
        var error = Assert.Throws<DatasetFormatException>(() => DatasetImporter.Import(DatasetImportFormat.Cmkp, source, folder.File("o.jsonl")));
        Assert.Equal(2, error.Line);

        File.WriteAllLines(source, ["so excited for kca ! <sep> kca;kids choice"]);
        var posts = ImportAndReadBack(DatasetImportFormat.Cmkp, source, folder);
        var post = Assert.Single(posts);
        Assert.Equal(("test_src-000001", "so excited for kca !", "test"), (post.Id, post.Text, post.Split));
        Assert.Equal(["kca", "kids choice"], post.Keyphrases);
    }
}
