import { LitElement, css, html, nothing } from 'lit';
import { confidencePercent, type SuggestionChip } from '../suggestions/chip-state.js';
import { defineElement } from './define.js';

export interface ChipDecisionEventDetail {
  text: string;
  decision: 'accepted' | 'rejected';
}

/**
 * Presentational: one chip per suggestion with its confidence (bar and %), accept/reject buttons and "Accept all".
 * Owns no state: it raises `chip-decision` and `accept-all`, and the owner passes the new chips back.
 */
export class DynamicCotSuggestionChipsElement extends LitElement {
  static override properties = { chips: { attribute: false } };
  declare chips: SuggestionChip[];

  constructor() {
    super();
    this.chips = [];
  }

  #decide(text: string, decision: ChipDecisionEventDetail['decision']) {
    this.dispatchEvent(new CustomEvent<ChipDecisionEventDetail>('chip-decision', { detail: { text, decision }, bubbles: true, composed: true }));
  }

  override render() {
    if (!this.chips.length) return html`<p class="empty">No keyphrases suggested.</p>`;
    const anyPending = this.chips.some((c) => c.decision === 'pending');
    return html`
      <ul class="chips" aria-label="Suggested keyphrases">
        ${this.chips.map((chip) => this.#renderChip(chip))}
      </ul>
      <button class="accept-all" type="button" ?disabled=${!anyPending}
        @click=${() => this.dispatchEvent(new CustomEvent('accept-all', { bubbles: true, composed: true }))}>Accept all</button>`;
  }

  #renderChip(chip: SuggestionChip) {
    const percent = confidencePercent(chip.confidence);
    return html`
      <li class="chip ${chip.decision}" data-keyphrase=${chip.text} data-decision=${chip.decision}>
        <span class="text">${chip.text}</span>
        ${chip.matchedExistingTag ? html`<span class="existing" title="Already a tag of this item">existing</span>` : nothing}
        <span class="confidence" title="Confidence ${percent}%">
          <span class="bar" role="meter" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${percent}
            aria-label="Confidence"><span class="fill" style="width:${percent}%"></span></span>
          <span class="percent">${percent}%</span>
        </span>
        <button type="button" class="accept" aria-pressed=${chip.decision === 'accepted'} title="Accept ${chip.text}"
          @click=${() => this.#decide(chip.text, 'accepted')}>✓</button>
        <button type="button" class="reject" aria-pressed=${chip.decision === 'rejected'} title="Reject ${chip.text}"
          @click=${() => this.#decide(chip.text, 'rejected')}>✕</button>
      </li>`;
  }

  static override styles = css`
    :host { display: block; font: inherit; }
    .chips { list-style: none; display: flex; flex-wrap: wrap; gap: 0.4rem; padding: 0; margin: 0 0 0.5rem; }
    .chip { display: inline-flex; align-items: center; gap: 0.35rem; border: 1px solid #3544b1; border-radius: 1rem;
      padding: 0.15rem 0.35rem 0.15rem 0.7rem; background: #fff; }
    .chip.accepted { background: #d9f2dd; border-color: #2a7d38; }
    .chip.rejected { opacity: 0.5; text-decoration: line-through; }
    .existing { font-size: 0.7rem; color: #555; border: 1px solid #bbb; border-radius: 0.5rem; padding: 0 0.3rem; }
    .confidence { display: inline-flex; align-items: center; gap: 0.25rem; font-size: 0.75rem; color: #444; }
    .bar { display: inline-block; width: 2.5rem; height: 0.35rem; background: #e3e6f3; border-radius: 0.2rem; overflow: hidden; }
    .fill { display: block; height: 100%; background: #3544b1; }
    button { border: none; background: none; cursor: pointer; font-size: 0.95rem; padding: 0 0.2rem; border-radius: 0.5rem; }
    button[aria-pressed='true'] { background: rgba(0, 0, 0, 0.1); }
    .accept-all { border: 1px solid #3544b1; padding: 0.2rem 0.6rem; font-size: 0.85rem; }
    .accept-all:disabled { opacity: 0.5; cursor: default; }
    .empty { color: #666; margin: 0; }
  `;
}

defineElement('dynamiccot-suggestion-chips', DynamicCotSuggestionChipsElement);

declare global {
  interface HTMLElementTagNameMap {
    'dynamiccot-suggestion-chips': DynamicCotSuggestionChipsElement;
  }
}
