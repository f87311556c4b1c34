import { describe, expect, it } from 'vitest';
import {
  acceptAll, addTag, confidencePercent, createChips, decide, feedbackFor, hasDecisions, mergeIntoTags,
} from '../src/suggestions/chip-state.js';

const suggestions = [
  { text: 'berlin', confidence: 0.7, matchedExistingTag: false },
  { text: 'spreetunnel', confidence: 0.9, matchedExistingTag: false },
  { text: ' Berlin ', confidence: 0.5, matchedExistingTag: false },
  { text: 'river', confidence: 0.6, matchedExistingTag: true },
];

describe('chip state', () => {
  it('orders chips by confidence and drops case-insensitive duplicates', () => {
    expect(createChips(suggestions).map((c) => c.text)).toEqual(['spreetunnel', 'berlin', 'river']);
    expect(createChips(suggestions).every((c) => c.decision === 'pending')).toBe(true);
  });

  it('shows confidence as a clamped whole percentage', () => {
    expect(confidencePercent(0.876)).toBe(88);
    expect(confidencePercent(1.02)).toBe(100);
    expect(confidencePercent(-0.1)).toBe(0);
    expect(confidencePercent(Number.NaN)).toBe(0);
  });

  it('toggles a decision back to pending when made twice', () => {
    let chips = createChips(suggestions);
    chips = decide(chips, 'BERLIN', 'accepted');
    expect(chips.find((c) => c.text === 'berlin')?.decision).toBe('accepted');
    chips = decide(chips, 'berlin', 'accepted');
    expect(chips.find((c) => c.text === 'berlin')?.decision).toBe('pending');
  });

  it('accept all keeps explicit rejections', () => {
    const chips = acceptAll(decide(createChips(suggestions), 'river', 'rejected'));
    expect(chips.map((c) => c.decision)).toEqual(['accepted', 'accepted', 'rejected']);
  });

  it('merges accepted and added tags into the existing ones without duplicates or deletions', () => {
    let chips = createChips(suggestions);
    chips = decide(decide(chips, 'berlin', 'accepted'), 'river', 'rejected');
    expect(mergeIntoTags(['River', 'Berlin'], chips, ['tunnel', 'RIVER'])).toEqual(['River', 'Berlin', 'tunnel']);
    expect(mergeIntoTags([], chips)).toEqual(['berlin']);
  });

  it('adds typed tags once, ignoring blanks', () => {
    expect(addTag(addTag(['a'], ' b '), 'B')).toEqual(['a', 'b']);
    expect(addTag(['a'], '   ')).toEqual(['a']);
  });

  it('builds the feedback body from decisions; pending chips are left out', () => {
    let chips = createChips(suggestions);
    expect(hasDecisions(chips)).toBe(false);
    chips = decide(decide(chips, 'spreetunnel', 'accepted'), 'river', 'rejected');
    expect(hasDecisions(chips)).toBe(true);
    expect(feedbackFor({ contentId: 'k1' }, chips, ['bridge', 'berlin'])).toEqual({
      contentId: 'k1', accepted: ['spreetunnel'], rejected: ['river'], added: ['bridge'],
    });
    expect(feedbackFor({ text: 'hello' }, chips)).toMatchObject({ text: 'hello', added: [] });
  });
});
