import { describe, expect, it } from 'vitest';
import { DynamicCotApiClient } from '../src/api/dynamiccot-api-client.js';
import type { FeedbackRequest } from '../src/api/types.js';
import '../src/elements/suggestion-panel.element.js';
import type { TagsAppliedEventDetail } from '../src/elements/suggestion-panel.element.js';

/** An API client double: fixed suggestions, records feedback. */
function fakeApi(feedback: FeedbackRequest[]) {
  const api = new DynamicCotApiClient();
  api.suggestForContent = async (contentId: string) => ({
    contentId, rationale: null, promptTokens: 0, generatedTokens: 0, elapsedMilliseconds: 1,
    keyphrases: [
      { text: 'berlin', confidence: 0.9, matchedExistingTag: false },
      { text: 'river', confidence: 0.6, matchedExistingTag: false },
      { text: 'tunnel', confidence: 0.4, matchedExistingTag: false },
    ],
  });
  api.recordFeedback = async (body: FeedbackRequest) => { feedback.push(body); return {}; };
  return api;
}

describe('<dynamiccot-suggestion-panel>', () => {
  it('suggests, records accept/reject feedback on apply and raises the merged tags', async () => {
    const feedback: FeedbackRequest[] = [];
    const panel = document.createElement('dynamiccot-suggestion-panel');
    panel.api = fakeApi(feedback);
    panel.contentId = 'item-1';
    panel.existingTags = ['spree'];
    document.body.append(panel);

    await panel.suggest();
    await panel.updateComplete;
    const chipsElement = panel.shadowRoot!.querySelector('dynamiccot-suggestion-chips')!;
    await chipsElement.updateComplete;
    const chips = chipsElement.shadowRoot!.querySelectorAll('li.chip');
    expect([...chips].map((c) => c.getAttribute('data-keyphrase'))).toEqual(['berlin', 'river', 'tunnel']);
    expect(chips[0].querySelector('.percent')!.textContent).toBe('90%');

    (chips[0].querySelector('button.accept') as HTMLButtonElement).click();
    (chips[1].querySelector('button.reject') as HTMLButtonElement).click();
    await panel.updateComplete;

    const applied = new Promise<TagsAppliedEventDetail>((resolve) =>
      panel.addEventListener('tags-applied', (e) => resolve((e as CustomEvent<TagsAppliedEventDetail>).detail), { once: true }));
    (panel.shadowRoot!.querySelector('button.apply') as HTMLButtonElement).click();
    const detail = await applied;

    expect(detail.tags).toEqual(['spree', 'berlin']);
    expect(detail.feedbackRecorded).toBe(true);
    expect(feedback).toEqual([{ contentId: 'item-1', accepted: ['berlin'], rejected: ['river'], added: [] }]);
    panel.remove();
  });

  it('asks for a saved item when it has no content id', async () => {
    const panel = document.createElement('dynamiccot-suggestion-panel');
    document.body.append(panel);
    await panel.suggest();
    await panel.updateComplete;
    expect(panel.shadowRoot!.querySelector('.status')!.textContent).toContain('Save the item first');
    panel.remove();
  });
});
