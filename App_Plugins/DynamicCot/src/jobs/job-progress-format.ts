import type { BulkJob, ContentSelection, JobCommand } from '../api/types.js';

/** Poll quickly while a job moves, slowly otherwise (to notice jobs started elsewhere). */
export const ACTIVE_POLL_MS = 1000;
export const IDLE_POLL_MS = 5000;

export function isActive(job: Pick<BulkJob, 'status'>): boolean {
  return job.status === 'Queued' || job.status === 'Running';
}

export function isFinished(job: Pick<BulkJob, 'status'>): boolean {
  return job.status === 'Completed' || job.status === 'Cancelled' || job.status === 'Failed';
}

export function nextPollDelay(jobs: readonly Pick<BulkJob, 'status'>[]): number {
  return jobs.some(isActive) ? ACTIVE_POLL_MS : IDLE_POLL_MS;
}

/** Finished share of the job (done, failed and skipped items), 0..1; an empty job counts as complete once it has completed. */
export function progressFraction(job: Pick<BulkJob, 'total' | 'done' | 'failed' | 'skipped' | 'status'>): number {
  if (job.total <= 0) return job.status === 'Completed' ? 1 : 0;
  return Math.min(1, Math.max(0, (job.done + job.failed + (job.skipped ?? 0)) / job.total));
}

/** Items per second, or per minute when slower than one a second (a VLM on a CPU is). */
export function formatRate(ratePerSecond: number | null | undefined): string {
  if (ratePerSecond == null || !Number.isFinite(ratePerSecond) || ratePerSecond <= 0) return '—';
  if (ratePerSecond >= 1) return `${ratePerSecond.toFixed(ratePerSecond >= 10 ? 0 : 1)} items/s`;
  return `${(ratePerSecond * 60).toFixed(1)} items/min`;
}

/** A short duration: "45 s", "3 min 20 s", "2 h 05 min"; "—" when unknown. */
export function formatEta(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '—';
  const total = Math.ceil(seconds);
  if (total < 60) return `${total} s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return `${minutes} min ${String(total % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

export function describeSelection(selection: ContentSelection): string {
  const parts: string[] = [];
  if (selection.documentType) parts.push(`document type "${selection.documentType}"`);
  if (selection.rootKey) parts.push(`under ${selection.rootKey}`);
  return parts.length ? parts.join(' ') : 'all content';
}

/** One line of counts for the job, e.g. "12 done, 1 failed, 3 skipped of 40 · 2.5 items/s · ETA 11 s" (skipped only when some were). */
export function summarizeProgress(job: BulkJob): string {
  const skipped = job.skipped ? `, ${job.skipped} skipped` : '';
  const counts = `${job.done} done, ${job.failed} failed${skipped} of ${job.total}`;
  if (!isActive(job)) return counts;
  return `${counts} · ${formatRate(job.ratePerSecond)} · ETA ${formatEta(job.etaSeconds)}`;
}

/** The commands the API accepts in the job's current state (anything else answers 409). */
export function availableCommands(job: Pick<BulkJob, 'status'>): JobCommand[] {
  switch (job.status) {
    case 'Queued':
    case 'Running':
      return ['pause', 'cancel'];
    case 'Paused':
      return ['resume', 'restart', 'cancel'];
    default:
      return ['restart'];
  }
}

/** Per-node progress, e.g. "12 on node-a · 4 on node-b (1 failed)", busiest first; empty before any node finished an item. */
export function describeNodes(job: Pick<BulkJob, 'nodes'>): string {
  return [...(job.nodes ?? [])]
    .sort((a, b) => b.done + b.failed - (a.done + a.failed) || a.node.localeCompare(b.node))
    .map((n) => `${n.done} on ${n.node}${n.failed ? ` (${n.failed} failed)` : ''}`)
    .join(' · ');
}
