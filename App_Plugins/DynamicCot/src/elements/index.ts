// Standalone web components: no import from @umbraco-cms/backoffice, so any page can load them (the demo host does).
export { DynamicCotApiClient, DynamicCotApiError, DYNAMICCOT_API_PATH } from '../api/dynamiccot-api-client.js';
export type * from '../api/types.js';
export { DynamicCotSuggestionChipsElement } from './suggestion-chips.element.js';
export { DynamicCotSuggestionPanelElement, type TagsAppliedEventDetail } from './suggestion-panel.element.js';
export { DynamicCotJobListElement } from './job-list.element.js';
