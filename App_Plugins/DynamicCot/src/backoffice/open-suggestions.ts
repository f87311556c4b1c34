import type { UmbClassInterface } from '@umbraco-cms/backoffice/class-api';
import { UMB_MODAL_MANAGER_CONTEXT } from '@umbraco-cms/backoffice/modal';
import { DYNAMICCOT_SUGGESTION_MODAL, type SuggestionModalData } from './suggestion-modal.token.js';

/** Opens the suggestion modal; resolves with the tags to write, or undefined when the editor closed it. */
export async function openSuggestions(host: UmbClassInterface, data: SuggestionModalData): Promise<string[] | undefined> {
  const modals = await host.getContext(UMB_MODAL_MANAGER_CONTEXT);
  if (!modals) throw new Error('DynamicCot: the modal manager is not available.');
  try {
    const value = await modals.open(host, DYNAMICCOT_SUGGESTION_MODAL, { data }).onSubmit();
    return value?.tags;
  } catch {
    return undefined; // closed without applying
  }
}
