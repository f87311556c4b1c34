import { UmbLitElement } from '@umbraco-cms/backoffice/lit-element';
import { css, html } from '@umbraco-cms/backoffice/external/lit';
import type { DynamicCotApiClient } from '../api/dynamiccot-api-client.js';
import '../elements/job-list.element.js';
import { createBackofficeApiClient } from './backoffice-api-client.js';

/** The "DynamicCot" dashboard: bulk retag jobs with live progress, around the standalone job list. */
export class DynamicCotJobsDashboardElement extends UmbLitElement {
  static override properties = { _api: { state: true }, _error: { state: true }, _dashboardPath: { state: true } };
  declare private _api: DynamicCotApiClient | undefined;
  declare private _dashboardPath: string | null;
  declare private _error: string;

  constructor() {
    super();
    this._error = '';
    this._dashboardPath = null;
  }

  override connectedCallback() {
    super.connectedCallback();
    createBackofficeApiClient(this).then(
      (api) => {
        this._api = api;
        api.getConfig().then((config) => { this._dashboardPath = config.dashboardPath; }, () => {});
      },
      (error: Error) => { this._error = error.message; },
    );
  }

  override render() {
    return html`
      <uui-box headline="Bulk keyphrase retagging">
        <p>Retag a document type, a subtree (the root document's id) or all content. Every server of the site takes
          batches of a job; jobs survive restarts and can be paused, resumed, restarted or cancelled; failed items are
          listed with their reason. Starting or changing a job needs the publish permission on its content.</p>
        ${this._dashboardPath
          ? html`<p><a href=${this._dashboardPath} target="_blank" rel="noopener">Background jobs dashboard</a>
              (administrators; Hangfire's view of every server's queues, retries and failures)</p>`
          : ''}
        ${this._error ? html`<p class="error">${this._error}</p>` : ''}
        ${this._api ? html`<dynamiccot-job-list .api=${this._api}></dynamiccot-job-list>` : ''}
      </uui-box>`;
  }

  static override styles = css`
    :host { display: block; padding: var(--uui-size-layout-1); }
    .error { color: var(--uui-color-danger); }
  `;
}

export default DynamicCotJobsDashboardElement;

customElements.get('dynamiccot-jobs-dashboard') ?? customElements.define('dynamiccot-jobs-dashboard', DynamicCotJobsDashboardElement);
