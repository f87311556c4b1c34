import { UmbWorkspaceActionBase } from '@umbraco-cms/backoffice/workspace';
import { UMB_DOCUMENT_WORKSPACE_CONTEXT } from '@umbraco-cms/backoffice/document';
import { createBackofficeApiClient } from './backoffice-api-client.js';
import { openSuggestions } from './open-suggestions.js';
import { notConfiguredMessage, readTagsValue, tagsPropertyFor } from './tags-property.js';

/**
 * "Suggest keyphrases" on the document workspace: suggests for the saved document and fills the tags property the
 * server configures for its document type (the same one auto-tag and bulk retag write).
 */
export class DynamicCotSuggestKeyphrasesWorkspaceAction extends UmbWorkspaceActionBase {
  override async execute(): Promise<void> {
    const workspace = await this.getContext(UMB_DOCUMENT_WORKSPACE_CONTEXT);
    const contentId = workspace?.getUnique();
    if (!workspace || !contentId) return;

    const documentType = workspace.structure.getOwnerContentType()?.alias;
    const config = await (await createBackofficeApiClient(this)).getConfig();
    const alias = tagsPropertyFor(config, documentType);
    if (!alias) throw new Error(notConfiguredMessage(documentType));

    const properties = await workspace.structure.getContentTypeProperties();
    const tags = await openSuggestions(this, {
      contentId,
      existingTags: readTagsValue(workspace.getPropertyValue(alias)),
      propertyName: properties.find((p) => p.alias === alias)?.name,
    });
    if (tags) await workspace.setPropertyValue(alias, tags);
  }
}

export { DynamicCotSuggestKeyphrasesWorkspaceAction as api };
