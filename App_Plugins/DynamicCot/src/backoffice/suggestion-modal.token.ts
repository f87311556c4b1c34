import { UmbModalToken } from '@umbraco-cms/backoffice/modal';

export const DYNAMICCOT_SUGGESTION_MODAL_ALIAS = 'DynamicCot.Modal.Suggestions';

export interface SuggestionModalData {
  /** Key of the document to suggest for (its saved text and image are used). */
  contentId: string;
  /** The tags property's current value, kept and extended by accepted tags. */
  existingTags: string[];
  /** Shown in the headline, e.g. the tags property's name. */
  propertyName?: string;
}

export interface SuggestionModalValue {
  tags: string[];
}

export const DYNAMICCOT_SUGGESTION_MODAL = new UmbModalToken<SuggestionModalData, SuggestionModalValue>(
  DYNAMICCOT_SUGGESTION_MODAL_ALIAS,
  { modal: { type: 'sidebar', size: 'medium' } },
);
