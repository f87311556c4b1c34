import { describe, expect, it } from 'vitest';
import { DynamicCotApiClient } from '../src/api/dynamiccot-api-client.js';
import type { BulkJob } from '../src/api/types.js';
import '../src/elements/job-list.element.js';

/** The jobs list as GET jobs answers it for a bulk job whose batch ran out of retries (field names as JobDto's). */
const failedJob: BulkJob = {
  id: 'job-1', status: 'Failed', selection: { rootKey: null, documentType: null, allContent: true },
  total: 40, done: 30, failed: 0, skipped: 4, pending: 6, ratePerSecond: null, etaSeconds: null,
  createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:01:00Z', finishedAt: '2026-01-01T00:01:00Z',
  error: 'Stopped: batch 2 failed after its retries (NpgsqlException: Failed to connect to 127.0.0.1:5432). Restart the job once the cause is fixed.',
  failures: [], startedBy: 'Ada Administrator', batches: 5, batchesLeft: 1, nodes: [],
};

describe('<dynamiccot-job-list>', () => {
  it('shows a failed job as Failed with its cause, its skipped count and a restart command', async () => {
    const api = new DynamicCotApiClient();
    api.listJobs = async () => [failedJob];
    const list = document.createElement('dynamiccot-job-list');
    list.api = api;
    document.body.append(list);
    await list.refresh();
    await list.updateComplete;

    const article = list.shadowRoot!.querySelector('article.job')!;
    expect(article.getAttribute('data-status')).toBe('Failed');
    expect(article.querySelector('.status')!.textContent).toBe('Failed');
    const cause = article.querySelector('.error')!;
    expect(cause.textContent).toBe(failedJob.error);
    expect(cause.getAttribute('role')).toBe('alert');
    expect(article.querySelector('.counts')!.textContent).toBe('85% · 30 done, 0 failed, 4 skipped of 40');
    expect([...article.querySelectorAll('.commands button')].map((b) => b.textContent)).toEqual(['restart']);
    list.remove();
  });
});
