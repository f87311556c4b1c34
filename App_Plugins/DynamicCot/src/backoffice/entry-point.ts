import type { UmbEntryPointOnInit } from '@umbraco-cms/backoffice/extension-api';
import type { ManifestPropertyAction } from '@umbraco-cms/backoffice/property-action';
import { TAGS_EDITOR_UI_ALIAS } from './tags-property.js';

// umbraco-package.json declares the workspace action, dashboard and modal. The property action is registered here
// because `propertyAction` is not among the types the 18.x package JSON schema lists (it exists at runtime).
const suggestOnTagsProperty: ManifestPropertyAction = {
  type: 'propertyAction',
  kind: 'default',
  alias: 'DynamicCot.PropertyAction.SuggestKeyphrases',
  name: 'DynamicCot: suggest keyphrases for a tags property',
  forPropertyEditorUis: [TAGS_EDITOR_UI_ALIAS],
  api: () => import('./suggest-keyphrases-property-action.api.js'),
  meta: { icon: 'icon-tags', label: 'Suggest keyphrases' },
};

export const onInit: UmbEntryPointOnInit = (_host, extensionRegistry) => {
  extensionRegistry.register(suggestOnTagsProperty);
};
