using DynamicCot.Keyphrases.Data;
using DynamicCot.Tools.Teacher;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Tools.Tests.Teacher;

public sealed class TeacherRunTests
{
    [Fact]
    public async Task Retries_429_500_and_a_dropped_connection_accounts_usage_sends_the_image_and_drops_disagreeing_rationales()
    {
        using var folder = TestPaths.NewTempFolder();
        var data = TeacherFixtures.WriteDataset(folder, 4);
        await using var server = new FakeChatServer(request => request.Index switch
        {
            1 => new FakeReply(429, """{"error":{"message":"rate limited"}}""", new Dictionary<string, string> { ["Retry-After"] = "1" }),
            2 => new FakeReply(500, """{"error":{"message":"boom"}}"""),
            3 => new FakeReply(0, "", DropConnection: true),
            // p3's teacher answers something else: F1 0 against {flood, storm 3}.
            _ when TeacherFixtures.PostIdOf(request) == "p3" => FakeReply.Completion("<think>Looks like a concert.</think><answer>music, concert</answer>"),
            _ => TeacherFixtures.Agreeing(request),
        });
        using var teacher = new OpenAiCompatibleTeacher(new OpenAiEndpointOptions
        {
            Endpoint = new Uri(server.Url), Model = "teacher-test", ApiKey = "sk-test", Retry = TeacherFixtures.FastRetry,
        });
        var options = new TeacherRunOptions
        {
            DataPath = data, OutputPath = folder.File("out.jsonl"), Concurrency = 1, PricePerMillionInput = 2.5m, PricePerMillionOutput = 10m,
        };

        var started = DateTime.UtcNow;
        var summary = await TeacherRun.RunAsync(teacher, options);

        // Retry-After: 1 was honoured (the backoff alone would have waited ~10 ms).
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(0.9));
        Assert.True(server.Requests.Count == 7, $"{server.Requests.Count} requests, {teacher.Attempts} sends, {teacher.Retries} retries; {string.Join(" / ", summary.FailureSamples)}");
        Assert.Equal(4 + 3, teacher.Attempts);
        Assert.Equal(3, teacher.Retries);
        Assert.All(server.Paths, p => Assert.Equal("/v1/chat/completions", p));
        Assert.All(server.Requests, r => Assert.Equal("Bearer sk-test", r.Authorization));

        // The photo went inline, byte for byte, as a base64 data URL.
        var withImage = server.Requests.First(r => TeacherFixtures.PostIdOf(r) == "p0" && r.ImageUrl is not null);
        Assert.StartsWith("data:image/jpeg;base64,", withImage.ImageUrl);
        Assert.Equal("auto", withImage.ImageDetail);
        Assert.Equal(File.ReadAllBytes(folder.File("images/photo.jpg")), Convert.FromBase64String(withImage.ImageUrl!["data:image/jpeg;base64,".Length..]));
        Assert.Null(server.Requests.First(r => TeacherFixtures.PostIdOf(r) == "p1").ImageUrl);
        Assert.Contains("Hashtags: flood, storm 1", server.Requests.First(r => TeacherFixtures.PostIdOf(r) == "p1").UserText);

        // Usage: 4 successful replies × (100 prompt, 20 completion); cost = 400 × 2.5/1M + 80 × 10/1M.
        Assert.Equal(new TokenUsage(400, 80, 0.0018m), summary.ThisRun);
        Assert.Equal((4, 3, 1, 0, 0), (summary.Asked, summary.Kept, summary.Dropped, summary.Failed, summary.Pending));

        var output = DatasetReader.ReadAll(options.OutputPath);
        Assert.Equal(["p0", "p1", "p2", "p3"], output.Select(p => p.Id));
        Assert.Equal("The photo shows water in a street after a storm.", output[0].Rationale);
        Assert.Null(output[3].Rationale);
        Assert.Equal("images/photo.jpg", output[0].Image);
        Assert.True(File.Exists(DatasetReader.ImagePath(options.OutputPath, output[0])));

        // The journal keeps the disagreeing reply too (its answer and F1), so a looser threshold needs no new request.
        var journal = TeacherFixtures.Journal(options.ResolvedJournalPath);
        var p3 = Assert.Single(journal, e => e.Id == "p3");
        Assert.Equal(["music", "concert"], p3.Answer);
        Assert.Equal(0, p3.Agreement);

        var keepAll = await TeacherRun.RunAsync(teacher, options with { KeepAll = true });
        Assert.Equal((0, 4, 0), (keepAll.Asked, keepAll.Kept, keepAll.Dropped));
        Assert.Equal(7, server.Requests.Count);
        Assert.Equal("Looks like a concert.", DatasetReader.ReadAll(options.OutputPath)[3].Rationale);
    }

    [Fact]
    public async Task An_interrupted_run_resumes_without_asking_again_for_answered_posts()
    {
        using var folder = TestPaths.NewTempFolder();
        var data = TeacherFixtures.WriteDataset(folder, 8);
        await using var server = new FakeChatServer(TeacherFixtures.Agreeing);
        using var teacher = new OpenAiCompatibleTeacher(new OpenAiEndpointOptions { Endpoint = new Uri(server.Url), Model = "m", Retry = TeacherFixtures.FastRetry });
        var options = new TeacherRunOptions { DataPath = data, OutputPath = folder.File("out.jsonl"), Concurrency = 3 };

        using var kill = new CancellationTokenSource();
        var first = await TeacherRun.RunAsync(teacher, options, new SynchronousProgress(p => { if (p.Done >= 3) kill.Cancel(); }), kill.Token);

        Assert.True(first.Cancelled);
        var answeredFirst = TeacherFixtures.Journal(options.ResolvedJournalPath).Where(e => e.Answered).Select(e => e.Id).ToHashSet();
        Assert.InRange(answeredFirst.Count, 3, 5);
        Assert.Equal(answeredFirst.Count, first.Kept);
        Assert.Equal(8 - answeredFirst.Count, first.Pending);
        // The output already holds what was done.
        Assert.Equal(answeredFirst.Count, DatasetReader.ReadAll(options.OutputPath).Count(p => p.Rationale is not null));
        var requestsBefore = server.Requests.Count;

        var second = await TeacherRun.RunAsync(teacher, options);

        var askedSecond = server.Requests.Skip(requestsBefore).Select(TeacherFixtures.PostIdOf).ToList();
        Assert.Empty(askedSecond.Intersect(answeredFirst));
        // Every unanswered post is asked, none twice; a request the first run cancelled in flight may still reach the
        // server late, so compare the distinct posts rather than the raw request count.
        Assert.Equal(8 - answeredFirst.Count, askedSecond.Distinct().Count());
        Assert.Equal((answeredFirst.Count, 8, 0), (second.AlreadyAnswered, second.Kept, second.Pending));
        var journal = TeacherFixtures.Journal(options.ResolvedJournalPath);
        Assert.Equal(8, journal.Select(e => e.Id).Distinct().Count());
        Assert.Equal(8, journal.Count);
        Assert.All(DatasetReader.ReadAll(options.OutputPath), p => Assert.NotNull(p.Rationale));
    }

    [Fact]
    public async Task A_bad_request_is_recorded_as_failed_and_retried_by_the_next_run_while_a_bad_key_stops_the_run()
    {
        using var folder = TestPaths.NewTempFolder();
        var data = TeacherFixtures.WriteDataset(folder, 3);
        var refuse = true;
        await using var server = new FakeChatServer(request => refuse && TeacherFixtures.PostIdOf(request) == "p1"
            ? new FakeReply(400, """{"error":{"message":"image too large"}}""")
            : TeacherFixtures.Agreeing(request));
        using var teacher = new OpenAiCompatibleTeacher(new OpenAiEndpointOptions { Endpoint = new Uri(server.Url + "/chat/completions"), Model = "m", Retry = TeacherFixtures.FastRetry });
        var options = new TeacherRunOptions { DataPath = data, OutputPath = folder.File("out.jsonl"), Concurrency = 2 };

        var first = await TeacherRun.RunAsync(teacher, options);
        Assert.Equal((2, 1), (first.Kept, first.Failed));
        var failure = Assert.Single(first.FailureSamples);
        Assert.Contains("HTTP 400", failure);
        Assert.Contains("image too large", failure);
        Assert.Equal(3, server.Requests.Count); // 400 is not retried

        refuse = false;
        var second = await TeacherRun.RunAsync(teacher, options);
        Assert.Equal((1, 3, 0), (second.Asked, second.Kept, second.Failed));

        await using var locked = new FakeChatServer(_ => new FakeReply(401, """{"error":{"message":"invalid api key"}}"""));
        using var badKey = new OpenAiCompatibleTeacher(new OpenAiEndpointOptions { Endpoint = new Uri(locked.Url), Model = "m", Retry = TeacherFixtures.FastRetry });
        var error = await Assert.ThrowsAsync<TeacherConfigurationException>(() =>
            TeacherRun.RunAsync(badKey, options with { OutputPath = folder.File("other.jsonl") }));
        Assert.Contains("HTTP 401", error.Message);
        Assert.True(File.Exists(folder.File("other.jsonl")));
    }

    [Fact]
    public void Journal_ignores_a_half_written_last_line_and_cuts_it_off_before_appending()
    {
        using var folder = TestPaths.NewTempFolder();
        var path = folder.File("log.jsonl");
        File.WriteAllText(path, """{"id":"a","status":"answered","answer":["x"],"agreement":1,"promptTokens":1,"completionTokens":1,"attempts":1}""" + "\n" + """{"id":"b","status":"ans""");

        var existing = AppendOnlyJournal.ReadExisting(path, TeacherJournalEntry.Read, e => e.Id);
        Assert.Equal(["a"], existing.Keys);

        using (var journal = AppendOnlyJournal.Open(path))
            journal.Append(new TeacherJournalEntry("b", true, "r", ["y"], 1, 2, 3, 1, null).WriteTo);
        Assert.Equal(["a", "b"], AppendOnlyJournal.ReadExisting(path, TeacherJournalEntry.Read, e => e.Id).Keys.Order());
    }

    [Fact]
    public void Agreement_is_set_F1_after_stemming()
    {
        var agreement = new RationaleAgreement();
        Assert.Equal(1, agreement.F1(["Floods", "#storm"], ["flood", "storm"]));
        // 1 match; P = 1/2, R = 1/3 → F1 = 2·(1/2)(1/3)/(1/2 + 1/3) = 0.4
        Assert.Equal(0.4, agreement.F1(["flooding", "music"], ["flood", "storm", "rain"]), 10);
        Assert.Equal(0, agreement.F1([], ["flood"]));
    }

    private sealed class SynchronousProgress(Action<TeacherProgress> report) : IProgress<TeacherProgress>
    {
        public void Report(TeacherProgress value) => report(value);
    }
}
