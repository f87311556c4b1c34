namespace DynamicCot.Plugin.Api;

public static class ApiRoutes
{
    public const string Base = "umbraco/dynamiccot/api/v1";
}

/// <summary>
/// The authorization policy on every endpoint: Umbraco's backoffice policy (a plain string constant in
/// Umbraco.Web.Common's <c>AuthorizationPolicies</c>), so only signed-in backoffice users reach the API on a site.
/// A host without Umbraco (the demo) registers its own policy under this name.
/// </summary>
public static class DynamicCotAuthorization
{
    public const string Policy = "BackOfficeAccess";
}
