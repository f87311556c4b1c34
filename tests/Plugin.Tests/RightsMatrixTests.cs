using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DynamicCot.Plugin.DemoHost;

namespace DynamicCot.Plugin.Tests;

/// <summary>
/// Rights by action over the real demo host on 127.0.0.1: every (demo user, action) pair, plus a request that signs in
/// as nobody, gets the status its right allows; refusals are 403 problem details naming the action.
/// </summary>
public sealed class RightsMatrixTests(DemoHostFixture host) : IClassFixture<DemoHostFixture>
{
    private const string Api = "/umbraco/dynamiccot/api/v1";
    private static readonly Guid Post = DemoContentStore.KeyFor("vmu16-dev-473478254616387584");

    private const HttpStatusCode Ok = HttpStatusCode.OK, Created = HttpStatusCode.Created, Accepted = HttpStatusCode.Accepted,
        Forbidden = HttpStatusCode.Forbidden, Unauthorized = HttpStatusCode.Unauthorized;

    /// <summary>Action → (request, status for admin, editor, writer, translator, anonymous).</summary>
    private static readonly Dictionary<string, (Func<HttpRequestMessage> Request, HttpStatusCode[] Expected)> Matrix = new()
    {
        ["suggest.item"] = (() => Request(HttpMethod.Post, "suggest", Form(("contentId", Post.ToString()))), [Ok, Ok, Ok, Forbidden, Unauthorized]),
        ["suggest.text"] = (() => Request(HttpMethod.Post, "suggest", Form(("text", "harbour sunset boats"))), [Ok, Ok, Ok, Forbidden, Unauthorized]),
        ["feedback.read"] = (() => Request(HttpMethod.Get, $"feedback/rejected/{Post}"), [Ok, Ok, Ok, Forbidden, Unauthorized]),
        ["feedback.write"] = (() => Request(HttpMethod.Post, "feedback", JsonContent.Create(new { contentId = Post, rejected = new[] { "folks" } })),
            [Created, Created, Created, Forbidden, Unauthorized]),
        ["feedback.write:text"] = (() => Request(HttpMethod.Post, "feedback", JsonContent.Create(new { text = "harbour at dusk", accepted = new[] { "harbour" } })),
            [Created, Created, Created, Forbidden, Unauthorized]),
        ["feedback.write:clear"] = (() => Request(HttpMethod.Delete, $"feedback/rejected/{Post}?tag=folks"), [Ok, Ok, Ok, Forbidden, Unauthorized]),
        ["feedback.export"] = (() => Request(HttpMethod.Get, "feedback/export"), [Ok, Forbidden, Forbidden, Forbidden, Unauthorized]),
        ["feedback.clear-all"] = (() => Request(HttpMethod.Delete, "feedback/rejected?tag=no-such-tag"), [Ok, Forbidden, Forbidden, Forbidden, Unauthorized]),
        ["jobs.list"] = (() => Request(HttpMethod.Get, "jobs"), [Ok, Ok, Ok, Ok, Unauthorized]),
        ["jobs.change"] = (() => Request(HttpMethod.Post, "jobs", JsonContent.Create(new { documentType = "photo" })), [Accepted, Accepted, Forbidden, Forbidden, Unauthorized]),
    };

    private static readonly string[] Users = ["admin", "editor", "writer", "translator", DemoUsers.Anonymous];

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var action in Matrix.Keys)
            foreach (var user in Users)
                data.Add(action, user);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_action_answers_each_user_as_its_right_allows(string action, string user)
    {
        var (request, expected) = Matrix[action];
        var message = request();
        message.Headers.Add(DemoUsers.Header, user);
        var response = await host.Client.SendAsync(message);

        var status = expected[Array.IndexOf(Users, user)];
        Assert.True(status == response.StatusCode, $"{user} {action}: expected {(int)status}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        if (status == Forbidden)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await Json(response);
            Assert.Equal(action.Split(':')[0], problem.GetProperty("action").GetString());
            Assert.StartsWith("Not allowed to", problem.GetProperty("title").GetString());
        }
    }

    [Fact]
    public async Task The_jobs_list_shows_a_user_their_own_jobs_and_an_administrator_all_of_them()
    {
        var started = await Send("editor", Request(HttpMethod.Post, "jobs", JsonContent.Create(new { documentType = "photo" })));
        Assert.Equal(Accepted, started.StatusCode);
        var id = (await Json(started)).GetProperty("id").GetGuid();

        async Task<Guid[]> ListedFor(string user) =>
            (await Json(await Send(user, Request(HttpMethod.Get, "jobs")))).EnumerateArray().Select(j => j.GetProperty("id").GetGuid()).ToArray();

        Assert.Contains(id, await ListedFor("editor"));
        Assert.Contains(id, await ListedFor("admin"));
        Assert.DoesNotContain(id, await ListedFor("writer"));
        Assert.DoesNotContain(id, await ListedFor("translator"));

        Assert.Equal(Ok, (await Send("editor", Request(HttpMethod.Get, $"jobs/{id}"))).StatusCode);
        Assert.Equal(Ok, (await Send("admin", Request(HttpMethod.Get, $"jobs/{id}"))).StatusCode);
        var hidden = await Send("writer", Request(HttpMethod.Get, $"jobs/{id}"));
        Assert.Equal(Forbidden, hidden.StatusCode);
        Assert.Equal("jobs.view", (await Json(hidden)).GetProperty("action").GetString());
    }

    [Fact]
    public async Task An_administrator_clears_a_rejected_tag_on_every_item_and_an_editor_may_not()
    {
        var other = DemoContentStore.KeyFor("vmu16-dev-473427931063390208");
        foreach (var key in new[] { Post, other })
            Assert.Equal(Created, (await Send("writer", Request(HttpMethod.Post, "feedback", JsonContent.Create(new { contentId = key, rejected = new[] { "Gloomy", "keepme" } })))).StatusCode);

        Assert.Equal(Forbidden, (await Send("editor", Request(HttpMethod.Delete, "feedback/rejected?tag=gloomy"))).StatusCode);
        var cleared = await Send("admin", Request(HttpMethod.Delete, "feedback/rejected?tag=gloomy"));
        Assert.Equal(Ok, cleared.StatusCode);
        Assert.Equal(2, (await Json(cleared)).GetProperty("cleared").GetInt32());
        foreach (var key in new[] { Post, other })
        {
            var left = (await Json(await Send("admin", Request(HttpMethod.Get, $"feedback/rejected/{key}")))).EnumerateArray().Select(r => r.GetProperty("tag").GetString());
            Assert.Contains("keepme", left);
            Assert.DoesNotContain("Gloomy", left);
        }
    }

    private Task<HttpResponseMessage> Send(string user, HttpRequestMessage message)
    {
        message.Headers.Add(DemoUsers.Header, user);
        return host.Client.SendAsync(message);
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, HttpContent? content = null) =>
        new(method, $"{Api}/{path}") { Content = content };

    private static MultipartFormDataContent Form(params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields) form.Add(new StringContent(value), name);
        return form;
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
}
