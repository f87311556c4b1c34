using DynamicCot.Plugin.Tagging;
using Umbraco.Cms.Core.Models;
using Umbraco.Cms.Core.PropertyEditors;
using Umbraco.Cms.Core.Services;

namespace DynamicCot.Plugin.Umbraco;

/// <summary>Reads a tags property's stored format (JSON or CSV + delimiter) from its data type's <see cref="TagConfiguration"/>.</summary>
public sealed class UmbracoTagFormats(IDataTypeService dataTypes)
{
    public async Task<TagStorageFormat> ForAsync(IPropertyType propertyType)
    {
        var dataType = await dataTypes.GetAsync(propertyType.DataTypeKey);
        return FromConfiguration(dataType?.ConfigurationObject, dataType?.ConfigurationData);
    }

    /// <summary>The tags editor's default is JSON with a comma delimiter, as Umbraco's own.</summary>
    public static TagStorageFormat FromConfiguration(object? configurationObject, IDictionary<string, object>? configurationData)
    {
        if (configurationObject is TagConfiguration tags)
            return new TagStorageFormat(tags.StorageType == TagsStorageType.Csv ? TagStorage.Csv : TagStorage.Json, tags.Delimiter);
        if (configurationData is not null && configurationData.TryGetValue("storageType", out var storage))
        {
            var csv = string.Equals(storage?.ToString(), "Csv", StringComparison.OrdinalIgnoreCase) || storage is TagsStorageType.Csv;
            var delimiter = configurationData.TryGetValue("delimiter", out var d) && d?.ToString() is { Length: 1 } ds ? ds[0] : ',';
            return new TagStorageFormat(csv ? TagStorage.Csv : TagStorage.Json, delimiter);
        }
        return TagStorageFormat.Json;
    }
}
