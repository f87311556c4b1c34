import { UmbWorkspaceActionBase } from '@umbraco-cms/backoffice/workspace';
import { UMB_DOCUMENT_WORKSPACE_CONTEXT } from '@umbraco-cms/backoffice/document';
import { UmbDataTypeDetailRepository } from '@umbraco-cms/backoffice/data-type';
import { openSuggestions } from './open-suggestions.js';
import { pickTagsProperty, readTagsValue } from './tags-property.js';

/** "Suggest keyphrases" on the document workspace: suggests for the saved document and fills its tags property. */
export class DynamicCotSuggestKeyphrasesWorkspaceAction extends UmbWorkspaceActionBase {
  override async execute(): Promise<void> {
    const workspace = await this.getContext(UMB_DOCUMENT_WORKSPACE_CONTEXT);
    const contentId = workspace?.getUnique();
    if (!workspace || !contentId) return;

    // Which property is a tags editor is data-type configuration, so ask the data types of the document's properties.
    const properties = await workspace.structure.getContentTypeProperties();
    const dataTypes = new UmbDataTypeDetailRepository(this);
    const withEditors = await Promise.all(properties.map(async (p) => {
      const { data } = await dataTypes.requestByUnique(p.dataType.unique);
      return { alias: p.alias, name: p.name, editorAlias: data?.editorAlias };
    }));
    const alias = pickTagsProperty(withEditors);
    if (!alias) throw new Error('This document type has no tags property to write suggestions into.');

    const tags = await openSuggestions(this, {
      contentId,
      existingTags: readTagsValue(workspace.getPropertyValue(alias)),
      propertyName: withEditors.find((p) => p.alias === alias)?.name,
    });
    if (tags) await workspace.setPropertyValue(alias, tags);
  }
}

export { DynamicCotSuggestKeyphrasesWorkspaceAction as api };
