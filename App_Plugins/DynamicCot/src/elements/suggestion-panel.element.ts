import { LitElement, css, html, nothing } from 'lit';
import { DynamicCotApiClient } from '../api/dynamiccot-api-client.js';
import {
  acceptAll, addTag, createChips, decide, feedbackFor, hasDecisions, mergeIntoTags, type SuggestionChip,
} from '../suggestions/chip-state.js';
import { defineElement } from './define.js';
import type { ChipDecisionEventDetail } from './suggestion-chips.element.js';
import './suggestion-chips.element.js';

export interface TagsAppliedEventDetail {
  /** The item's tags with accepted and added tags merged in: the value to write into the tags property. */
  tags: string[];
  accepted: string[];
  rejected: string[];
  added: string[];
  /** False when the feedback could not be recorded; the tags still apply. */
  feedbackRecorded: boolean;
}

type PanelState = 'idle' | 'loading' | 'ready' | 'applying';

/**
 * The "Suggest keyphrases" panel for one content item: asks the API, shows the chips, lets the editor add tags, and on
 * "Apply" records the decisions with POST feedback and raises `tags-applied` carrying the new tags value. Writing that
 * value is the host's job (the backoffice writes the tags property; the demo page publishes).
 */
export class DynamicCotSuggestionPanelElement extends LitElement {
  static override properties = {
    contentId: { attribute: 'content-id' },
    existingTags: { attribute: false },
    api: { attribute: false },
    autoSuggest: { type: Boolean, attribute: 'auto-suggest' },
    _state: { state: true },
    _chips: { state: true },
    _added: { state: true },
    _message: { state: true },
  };
  declare contentId: string | undefined;
  declare existingTags: string[];
  declare api: DynamicCotApiClient;
  /** Ask as soon as the panel is shown (the backoffice modal), instead of waiting for the button. */
  declare autoSuggest: boolean;
  declare _state: PanelState;
  declare _chips: SuggestionChip[];
  declare _added: string[];
  declare _message: string;
  #abort?: AbortController;

  constructor() {
    super();
    this.existingTags = [];
    this.api = new DynamicCotApiClient();
    this.autoSuggest = false;
    this._state = 'idle';
    this._chips = [];
    this._added = [];
    this._message = '';
  }

  override connectedCallback() {
    super.connectedCallback();
    if (this.autoSuggest && this._state === 'idle') void this.suggest();
  }

  override disconnectedCallback() {
    this.#abort?.abort();
    super.disconnectedCallback();
  }

  async suggest(): Promise<void> {
    if (!this.contentId) {
      this._message = 'Save the item first: suggestions are made from its saved text and image.';
      return;
    }
    this.#abort?.abort();
    this.#abort = new AbortController();
    this._state = 'loading';
    this._message = 'Asking the model…';
    try {
      const result = await this.api.suggestForContent(this.contentId, this.#abort.signal);
      this._chips = createChips(result.keyphrases);
      this._added = [];
      this._message = '';
      this._state = 'ready';
    } catch (error) {
      if ((error as Error).name === 'AbortError') return;
      this._message = (error as Error).message;
      this._state = this._chips.length ? 'ready' : 'idle';
    }
  }

  async apply(): Promise<void> {
    const feedback = feedbackFor({ contentId: this.contentId }, this._chips, this._added);
    const tags = mergeIntoTags(this.existingTags, this._chips, this._added);
    this._state = 'applying';
    let feedbackRecorded = true;
    if (hasDecisions(this._chips, this._added)) {
      try {
        await this.api.recordFeedback(feedback);
      } catch (error) {
        // The editor's tags matter more than the training signal: apply them and say what was lost.
        feedbackRecorded = false;
        this._message = `Feedback not recorded: ${(error as Error).message}`;
      }
    }
    this._state = 'ready';
    if (feedbackRecorded) this._message = 'Applied.';
    this.dispatchEvent(new CustomEvent<TagsAppliedEventDetail>('tags-applied', {
      detail: { tags, accepted: feedback.accepted, rejected: feedback.rejected, added: feedback.added, feedbackRecorded },
      bubbles: true,
      composed: true,
    }));
  }

  #onDecision(event: CustomEvent<ChipDecisionEventDetail>) {
    this._chips = decide(this._chips, event.detail.text, event.detail.decision);
  }

  #onAdd(event: SubmitEvent) {
    event.preventDefault();
    const input = (event.target as HTMLFormElement).elements.namedItem('tag') as HTMLInputElement;
    this._added = addTag(this._added, input.value);
    input.value = '';
  }

  override render() {
    const busy = this._state === 'loading' || this._state === 'applying';
    return html`
      <div class="toolbar">
        <button type="button" class="suggest" ?disabled=${busy} @click=${() => this.suggest()}>
          ${this._state === 'idle' ? 'Suggest keyphrases' : 'Suggest again'}
        </button>
      </div>
      ${this._state === 'ready' || this._state === 'applying' ? this.#renderSuggestions(busy) : nothing}
      <p class="status" role="status">${this._message}</p>`;
  }

  #renderSuggestions(busy: boolean) {
    return html`
      <dynamiccot-suggestion-chips .chips=${this._chips}
        @chip-decision=${(e: CustomEvent<ChipDecisionEventDetail>) => this.#onDecision(e)}
        @accept-all=${() => { this._chips = acceptAll(this._chips); }}></dynamiccot-suggestion-chips>
      <form class="add" @submit=${(e: SubmitEvent) => this.#onAdd(e)}>
        <input name="tag" placeholder="Add a tag" aria-label="Add a tag" />
        <button type="submit">Add</button>
        ${this._added.map((t) => html`<span class="added">${t}</span>`)}
      </form>
      <button type="button" class="apply" ?disabled=${busy || !hasDecisions(this._chips, this._added)}
        @click=${() => this.apply()}>Apply to tags</button>`;
  }

  static override styles = css`
    :host { display: block; }
    .toolbar { margin-bottom: 0.5rem; }
    button { font: inherit; cursor: pointer; }
    .add { display: flex; gap: 0.3rem; align-items: center; margin: 0.4rem 0; flex-wrap: wrap; }
    .added { background: #e8eefc; border-radius: 0.6rem; padding: 0 0.5rem; }
    .status { color: #a33; min-height: 1.2em; margin: 0.3rem 0 0; }
  `;
}

defineElement('dynamiccot-suggestion-panel', DynamicCotSuggestionPanelElement);

declare global {
  interface HTMLElementTagNameMap {
    'dynamiccot-suggestion-panel': DynamicCotSuggestionPanelElement;
  }
}
