import { describe, expect, it } from 'vitest';
import type { BulkJob } from '../src/api/types.js';
import {
  ACTIVE_POLL_MS, IDLE_POLL_MS, availableCommands, describeNodes, describeSelection, formatEta, formatRate, isFinished, nextPollDelay,
  progressFraction, summarizeProgress,
} from '../src/jobs/job-progress-format.js';

function job(overrides: Partial<BulkJob> = {}): BulkJob {
  return {
    id: 'j1', status: 'Running', selection: { rootKey: null, documentType: null, allContent: true },
    total: 40, done: 12, failed: 1, skipped: 0, pending: 27, ratePerSecond: 2.5, etaSeconds: 10.8,
    createdAt: '', updatedAt: '', finishedAt: null, error: null, failures: [],
    startedBy: null, batches: 0, batchesLeft: 0, nodes: [], ...overrides,
  };
}

describe('job progress formatting', () => {
  it('formats rates per second, or per minute when slow', () => {
    expect(formatRate(2.5)).toBe('2.5 items/s');
    expect(formatRate(12.4)).toBe('12 items/s');
    expect(formatRate(0.25)).toBe('15.0 items/min');
    expect(formatRate(null)).toBe('—');
    expect(formatRate(0)).toBe('—');
  });

  it('formats ETAs in seconds, minutes and hours', () => {
    expect(formatEta(10.2)).toBe('11 s');
    expect(formatEta(200)).toBe('3 min 20 s');
    expect(formatEta(7500)).toBe('2 h 05 min');
    expect(formatEta(undefined)).toBe('—');
    expect(formatEta(-1)).toBe('—');
  });

  it('computes the finished fraction, counting failures as finished', () => {
    expect(progressFraction(job())).toBeCloseTo(13 / 40);
    expect(progressFraction(job({ total: 0, status: 'Completed' }))).toBe(1);
    expect(progressFraction(job({ total: 0, status: 'Queued' }))).toBe(0);
  });

  it('counts skipped items as finished and names them only when there are some', () => {
    expect(progressFraction(job({ skipped: 3 }))).toBeCloseTo(16 / 40);
    expect(summarizeProgress(job({ status: 'Completed', done: 36, skipped: 3 }))).toBe('36 done, 1 failed, 3 skipped of 40');
  });

  it('treats a failed job as finished, offering its restart', () => {
    const failed = job({ status: 'Failed', error: 'Stopped: batch 3 failed after its retries (TimeoutException: database unavailable).' });
    expect(isFinished(failed)).toBe(true);
    expect(availableCommands(failed)).toEqual(['restart']);
    expect(nextPollDelay([failed])).toBe(IDLE_POLL_MS);
  });

  it('summarises active jobs with rate and ETA, finished jobs with counts only', () => {
    expect(summarizeProgress(job())).toBe('12 done, 1 failed of 40 · 2.5 items/s · ETA 11 s');
    expect(summarizeProgress(job({ status: 'Completed', done: 39 }))).toBe('39 done, 1 failed of 40');
  });

  it('offers only the commands the state allows', () => {
    expect(availableCommands(job({ status: 'Running' }))).toEqual(['pause', 'cancel']);
    expect(availableCommands(job({ status: 'Paused' }))).toEqual(['resume', 'restart', 'cancel']);
    expect(availableCommands(job({ status: 'Completed' }))).toEqual(['restart']);
  });

  it('polls fast only while a job is active', () => {
    expect(nextPollDelay([job({ status: 'Completed' }), job({ status: 'Queued' })])).toBe(ACTIVE_POLL_MS);
    expect(nextPollDelay([job({ status: 'Paused' })])).toBe(IDLE_POLL_MS);
    expect(nextPollDelay([])).toBe(IDLE_POLL_MS);
  });

  it('describes the selection', () => {
    expect(describeSelection({ rootKey: null, documentType: null, allContent: true })).toBe('all content');
    expect(describeSelection({ rootKey: 'r', documentType: 'post', allContent: false })).toBe('document type "post" under r');
  });

  it('describes what each node finished, busiest first', () => {
    expect(describeNodes(job({ nodes: [] }))).toBe('');
    expect(describeNodes(job({ nodes: [
      { node: 'node-b', done: 4, failed: 1 },
      { node: 'node-a', done: 12, failed: 0 },
    ] }))).toBe('12 on node-a · 4 on node-b (1 failed)');
  });
});
