import { UmbModalBaseElement } from '@umbraco-cms/backoffice/modal';
import { css, html, nothing } from '@umbraco-cms/backoffice/external/lit';
import type { DynamicCotApiClient } from '../api/dynamiccot-api-client.js';
import type { TagsAppliedEventDetail } from '../elements/suggestion-panel.element.js';
import '../elements/suggestion-panel.element.js';
import { createBackofficeApiClient } from './backoffice-api-client.js';
import type { SuggestionModalData, SuggestionModalValue } from './suggestion-modal.token.js';

/** Sidebar modal around the standalone suggestion panel; submits the merged tags value. */
export class DynamicCotSuggestionModalElement extends UmbModalBaseElement<SuggestionModalData, SuggestionModalValue> {
  static override properties = { _api: { state: true }, _error: { state: true } };
  declare private _api: DynamicCotApiClient | undefined;
  declare private _error: string;

  constructor() {
    super();
    this._error = '';
  }

  override connectedCallback() {
    super.connectedCallback();
    createBackofficeApiClient(this).then(
      (api) => { this._api = api; },
      (error: Error) => { this._error = error.message; },
    );
  }

  #onApplied(event: CustomEvent<TagsAppliedEventDetail>) {
    this.value = { tags: event.detail.tags };
    this._submitModal();
  }

  override render() {
    const data = this.data;
    return html`
      <umb-body-layout headline=${`Suggest keyphrases${data?.propertyName ? ` for ${data.propertyName}` : ''}`}>
        <uui-box>
          ${this._error ? html`<p class="error">${this._error}</p>` : nothing}
          ${this._api && data
            ? html`<dynamiccot-suggestion-panel auto-suggest .api=${this._api} .contentId=${data.contentId}
                .existingTags=${data.existingTags}
                @tags-applied=${(e: CustomEvent<TagsAppliedEventDetail>) => this.#onApplied(e)}></dynamiccot-suggestion-panel>`
            : nothing}
        </uui-box>
        <div slot="actions">
          <uui-button label="Close" @click=${() => this._rejectModal()}></uui-button>
        </div>
      </umb-body-layout>`;
  }

  static override styles = css`.error { color: var(--uui-color-danger); }`;
}

export default DynamicCotSuggestionModalElement;

customElements.get('dynamiccot-suggestion-modal') ?? customElements.define('dynamiccot-suggestion-modal', DynamicCotSuggestionModalElement);
