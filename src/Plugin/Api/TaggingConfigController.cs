using DynamicCot.Plugin.Configuration;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace DynamicCot.Plugin.Api;

/// <summary>Which property of a document type receives tags.</summary>
public sealed record TaggedDocumentType(string Alias, string TagsProperty);

/// <summary>What the backoffice needs to know from the server's configuration.</summary>
/// <param name="DocumentTypes">The only source of which property receives tags: the backoffice guesses nothing.</param>
/// <param name="DashboardPath">Hangfire's dashboard (administrators only), or null when it is off.</param>
public sealed record TaggingConfigDto(IReadOnlyList<TaggedDocumentType> DocumentTypes, string? DashboardPath);

[ApiController]
[Route(ApiRoutes.Base + "/config")]
[Authorize(Policy = DynamicCotAuthorization.Policy)]
public sealed class TaggingConfigController(IOptions<DynamicCotOptions> options) : ControllerBase
{
    [HttpGet]
    public TaggingConfigDto Get()
    {
        var settings = options.Value;
        return new TaggingConfigDto(
            settings.DocumentTypes.Select(d => new TaggedDocumentType(d.Key, d.Value.TagsProperty)).OrderBy(d => d.Alias, StringComparer.Ordinal).ToList(),
            settings.Dashboard.Enabled ? settings.Dashboard.Path : null);
    }
}
