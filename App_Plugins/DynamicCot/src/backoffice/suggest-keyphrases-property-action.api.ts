import { UmbPropertyActionBase } from '@umbraco-cms/backoffice/property-action';
import { UMB_PROPERTY_CONTEXT } from '@umbraco-cms/backoffice/property';
import { UMB_DOCUMENT_WORKSPACE_CONTEXT } from '@umbraco-cms/backoffice/document';
import { createBackofficeApiClient } from './backoffice-api-client.js';
import { openSuggestions } from './open-suggestions.js';
import { notConfiguredMessage, readTagsValue, tagsPropertyFor } from './tags-property.js';

/**
 * "Suggest keyphrases" in a tags property's action menu: fills that very property, when it is the one the server
 * configures for the document type (suggestions written elsewhere would disagree with auto-tag and bulk retag).
 */
export class DynamicCotSuggestKeyphrasesPropertyAction extends UmbPropertyActionBase {
  override async execute(): Promise<void> {
    const property = await this.getContext(UMB_PROPERTY_CONTEXT);
    // Suggestions are made for a saved document; a tags editor elsewhere (media, blocks) has no content id to send.
    const workspace = await this.getContext(UMB_DOCUMENT_WORKSPACE_CONTEXT);
    const contentId = workspace?.getUnique();
    if (!property || !workspace || !contentId) throw new Error('Keyphrase suggestions are available on documents only.');

    const documentType = workspace.structure.getOwnerContentType()?.alias;
    const configured = tagsPropertyFor(await (await createBackofficeApiClient(this)).getConfig(), documentType);
    if (!configured) throw new Error(notConfiguredMessage(documentType));
    if (configured !== property.getAlias())
      throw new Error(`Suggestions for "${documentType}" go into its "${configured}" property, not this one.`);

    const tags = await openSuggestions(this, {
      contentId,
      existingTags: readTagsValue(property.getValue()),
      propertyName: property.getLabel(),
    });
    if (tags) property.setValue(tags);
  }
}

export { DynamicCotSuggestKeyphrasesPropertyAction as api };
