using DynamicCot.Keyphrases.Data;
using DynamicCot.Tools.Teacher;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Tests.Shared;

/// <summary>Small datasets for teacher runs: made-up posts, some with a real photo from the VMU fixture set.</summary>
internal static class TeacherFixtures
{
    /// <summary>Writes <paramref name="count"/> posts; every other one has a photo copied next to the file.</summary>
    public static string WriteDataset(TempFolder folder, int count, Func<int, string>? textOf = null)
    {
        var photo = Directory.GetFiles(TestPaths.Data("vmu16_small_events", "images"), "*.jpg").Order(StringComparer.Ordinal).First();
        Directory.CreateDirectory(folder.File("images"));
        File.Copy(photo, folder.File(Path.Combine("images", "photo.jpg")));
        var path = folder.File("posts.jsonl");
        using var writer = new DatasetWriter(path);
        for (var i = 0; i < count; i++)
        {
            var text = textOf?.Invoke(i) ?? $"Post {i}: streets flooded after the storm downtown";
            writer.Write(new KeyphrasePost($"p{i}", text, i % 2 == 0 ? "images/photo.jpg" : null, ["flood", $"storm {i}"]));
        }
        return path;
    }

    /// <summary>The post id whose text the request carries ("Post 3: …" → p3).</summary>
    public static string PostIdOf(ReceivedRequest request)
    {
        var text = request.UserText;
        var start = text.IndexOf("Post: Post ", StringComparison.Ordinal) + "Post: Post ".Length;
        var end = text.IndexOf(':', start);
        return "p" + text[start..end];
    }

    /// <summary>A well-formed teacher reply agreeing with the fixture's gold keyphrases for the request's post.</summary>
    public static FakeReply Agreeing(ReceivedRequest request)
    {
        var number = PostIdOf(request)[1..];
        return FakeReply.Completion($"<think>The photo shows water in a street after a storm.</think><answer>floods, storm {number}</answer>");
    }

    public static TeacherRetryOptions FastRetry => new() { BaseDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(50), MaxAttempts = 5, AttemptTimeout = TimeSpan.FromSeconds(10) };

    public static List<TeacherJournalEntry> Journal(string path) =>
        [.. JsonLines.Read(path).Select(TeacherJournalEntry.Read)];
}
