import type { FeedbackRequest, KeyphraseSuggestion } from '../api/types.js';

export type ChipDecision = 'pending' | 'accepted' | 'rejected';

export interface SuggestionChip {
  text: string;
  confidence: number;
  matchedExistingTag: boolean;
  decision: ChipDecision;
}

/** Tags compare case-insensitively and ignoring surrounding space, as Umbraco's tag service does. */
export function sameTag(a: string, b: string): boolean {
  return a.trim().toLocaleLowerCase() === b.trim().toLocaleLowerCase();
}

/** Confidence as a whole percentage, clamped to 0..100 (the engine may round slightly outside). */
export function confidencePercent(confidence: number): number {
  if (!Number.isFinite(confidence)) return 0;
  return Math.min(100, Math.max(0, Math.round(confidence * 100)));
}

/** Chips for a fresh suggestion, highest confidence first; duplicates (by tag equality) keep the first. */
export function createChips(keyphrases: readonly KeyphraseSuggestion[]): SuggestionChip[] {
  const chips: SuggestionChip[] = [];
  for (const k of [...keyphrases].sort((a, b) => b.confidence - a.confidence)) {
    const text = k.text.trim();
    if (!text || chips.some((c) => sameTag(c.text, text))) continue;
    chips.push({ text, confidence: k.confidence, matchedExistingTag: k.matchedExistingTag, decision: 'pending' });
  }
  return chips;
}

/** Sets one chip's decision; deciding the same way twice takes it back to pending (a toggle). */
export function decide(chips: readonly SuggestionChip[], text: string, decision: Exclude<ChipDecision, 'pending'>): SuggestionChip[] {
  return chips.map((c) =>
    sameTag(c.text, text) ? { ...c, decision: c.decision === decision ? 'pending' : decision } : c,
  );
}

/** Accepts every chip still pending; the editor's explicit rejections stand. */
export function acceptAll(chips: readonly SuggestionChip[]): SuggestionChip[] {
  return chips.map((c) => (c.decision === 'pending' ? { ...c, decision: 'accepted' } : c));
}

/** Adds a tag the editor typed; returns the list unchanged when it is blank or already there. */
export function addTag(added: readonly string[], tag: string): string[] {
  const text = tag.trim();
  if (!text || added.some((t) => sameTag(t, text))) return [...added];
  return [...added, text];
}

/**
 * The tags value to write back: the item's tags as they were, then accepted chips and added tags not already there.
 * Rejected chips remove nothing the editor already had: a rejection is feedback on the suggestion, not a delete.
 */
export function mergeIntoTags(existingTags: readonly string[], chips: readonly SuggestionChip[], added: readonly string[] = []): string[] {
  const result = [...existingTags];
  for (const tag of [...chips.filter((c) => c.decision === 'accepted').map((c) => c.text), ...added]) {
    if (!result.some((t) => sameTag(t, tag))) result.push(tag);
  }
  return result;
}

/** True when there is any decision worth recording. */
export function hasDecisions(chips: readonly SuggestionChip[], added: readonly string[] = []): boolean {
  return added.length > 0 || chips.some((c) => c.decision !== 'pending');
}

/** Body of POST feedback for a content item; pending chips are neither accepted nor rejected, so they are left out. */
export function feedbackFor(
  target: { contentId?: string; text?: string },
  chips: readonly SuggestionChip[],
  added: readonly string[] = [],
): FeedbackRequest {
  return {
    ...(target.contentId ? { contentId: target.contentId } : {}),
    ...(target.text ? { text: target.text } : {}),
    accepted: chips.filter((c) => c.decision === 'accepted').map((c) => c.text),
    rejected: chips.filter((c) => c.decision === 'rejected').map((c) => c.text),
    added: added.filter((a) => !chips.some((c) => sameTag(c.text, a))),
  };
}
