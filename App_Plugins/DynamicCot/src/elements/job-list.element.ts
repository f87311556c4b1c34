import { LitElement, css, html, nothing } from 'lit';
import { DynamicCotApiClient } from '../api/dynamiccot-api-client.js';
import type { BulkJob, JobCommand, StartJobRequest } from '../api/types.js';
import {
  availableCommands, describeNodes, describeSelection, nextPollDelay, progressFraction, summarizeProgress,
} from '../jobs/job-progress-format.js';
import { defineElement } from './define.js';

/** How many jobs to show; older ones stay in the API. */
const SHOWN_JOBS = 5;

/**
 * Bulk retag jobs with live progress: a form to start one (document type, subtree or all content), and per job its
 * status (a Failed one with its cause), progress bar, counts (done, failed, skipped), rate, ETA, progress per node,
 * who started it, failures and
 * pause/resume/restart/cancel. Polls `GET jobs` while connected.
 */
export class DynamicCotJobListElement extends LitElement {
  static override properties = {
    api: { attribute: false },
    documentTypes: { attribute: 'document-types' },
    _jobs: { state: true },
    _message: { state: true },
  };
  declare api: DynamicCotApiClient;
  /** Comma-separated aliases to offer in a list; without it the form takes any alias. */
  declare documentTypes: string | undefined;
  declare _jobs: BulkJob[];
  declare _message: string;
  #timer?: ReturnType<typeof setTimeout>;
  #connected = false;

  constructor() {
    super();
    this.api = new DynamicCotApiClient();
    this._jobs = [];
    this._message = '';
  }

  override connectedCallback() {
    super.connectedCallback();
    this.#connected = true;
    void this.#poll();
  }

  override disconnectedCallback() {
    this.#connected = false;
    clearTimeout(this.#timer);
    super.disconnectedCallback();
  }

  /** Fetches the jobs now; returns them so a host can wait on a state. */
  async refresh(): Promise<BulkJob[]> {
    const jobs = await this.api.listJobs();
    this._jobs = jobs.slice(0, SHOWN_JOBS);
    this.dispatchEvent(new CustomEvent('jobs-changed', { detail: { jobs: this._jobs } }));
    return jobs;
  }

  async #poll() {
    clearTimeout(this.#timer);
    let delay: number;
    try {
      delay = nextPollDelay(await this.refresh());
      if (this._message.startsWith('Jobs unavailable')) this._message = '';
    } catch (error) {
      this._message = `Jobs unavailable: ${(error as Error).message}`;
      delay = nextPollDelay([]);
    }
    if (this.#connected) this.#timer = setTimeout(() => void this.#poll(), delay);
  }

  async #start(event: SubmitEvent) {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    const documentType = String(data.get('documentType') ?? '').trim();
    const rootId = String(data.get('rootId') ?? '').trim();
    const request: StartJobRequest = documentType || rootId
      ? { ...(documentType ? { documentType } : {}), ...(rootId ? { rootId } : {}) }
      : { all: true };
    try {
      await this.api.startJob(request);
      this._message = '';
    } catch (error) {
      this._message = (error as Error).message;
    }
    void this.#poll();
  }

  async #command(job: BulkJob, command: JobCommand) {
    try {
      await this.api.commandJob(job.id, command);
    } catch (error) {
      this._message = (error as Error).message;
    }
    void this.#poll();
  }

  override render() {
    const types = this.documentTypes?.split(',').map((t) => t.trim()).filter(Boolean);
    return html`
      <form class="start" @submit=${(e: SubmitEvent) => this.#start(e)}>
        <label>Document type
          ${types
            ? html`<select name="documentType"><option value="">all content</option>${types.map((t) => html`<option value=${t}>${t}</option>`)}</select>`
            : html`<input name="documentType" placeholder="alias, empty for all" />`}
        </label>
        <label>Subtree root id <input name="rootId" placeholder="optional" size="36" /></label>
        <button type="submit">Start bulk retag</button>
      </form>
      <p class="message" role="status">${this._message}</p>
      ${this._jobs.length ? this._jobs.map((job) => this.#renderJob(job)) : html`<p class="none">No bulk jobs yet.</p>`}`;
  }

  #renderJob(job: BulkJob) {
    const percent = Math.round(progressFraction(job) * 100);
    return html`
      <article class="job" data-job-id=${job.id} data-status=${job.status}>
        <header><strong class="status">${job.status}</strong> <span class="selection">${describeSelection(job.selection)}</span></header>
        <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${percent}>
          <span class="fill" style="width:${percent}%"></span>
        </div>
        <p class="counts">${percent}% · ${summarizeProgress(job)}</p>
        ${job.nodes?.length ? html`<p class="nodes">By node: ${describeNodes(job)}</p>` : nothing}
        ${job.startedBy ? html`<p class="started-by">Started by ${job.startedBy}</p>` : nothing}
        ${job.error ? html`<p class="error" role=${job.status === 'Failed' ? 'alert' : 'status'}>${job.error}</p>` : nothing}
        <div class="commands">
          ${availableCommands(job).map((c) => html`<button type="button" class=${c} @click=${() => this.#command(job, c)}>${c}</button>`)}
        </div>
        ${job.failures.length
          ? html`<ul class="failures">${job.failures.map((f) => html`<li>${f.contentKey}: ${f.reason}</li>`)}</ul>`
          : nothing}
      </article>`;
  }

  static override styles = css`
    :host { display: block; }
    .start { display: flex; gap: 0.75rem; align-items: end; flex-wrap: wrap; }
    label { display: flex; flex-direction: column; font-size: 0.85rem; gap: 0.15rem; }
    .job { border: 1px solid #ccc; border-radius: 6px; padding: 0.5rem; margin: 0.5rem 0; }
    .progress { height: 0.6rem; background: #e3e6f3; border-radius: 0.3rem; overflow: hidden; margin: 0.35rem 0; }
    .progress .fill { display: block; height: 100%; background: #2a7d38; transition: width 0.3s; }
    .counts { margin: 0; font-size: 0.85rem; }
    .nodes, .started-by { margin: 0; font-size: 0.8rem; color: #555; }
    .selection { color: #555; font-size: 0.85rem; }
    .commands button { text-transform: capitalize; margin-right: 0.3rem; }
    .message, .error { color: #a33; min-height: 1em; }
    .failures { font-size: 0.8rem; color: #a33; }
    .none { color: #666; }
  `;
}

defineElement('dynamiccot-job-list', DynamicCotJobListElement);

declare global {
  interface HTMLElementTagNameMap {
    'dynamiccot-job-list': DynamicCotJobListElement;
  }
}
