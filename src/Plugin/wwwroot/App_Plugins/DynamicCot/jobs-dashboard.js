import "./chunks/job-list.element-Ds8mN5sY.js";
import { t as e } from "./chunks/backoffice-api-client-BSZfKONG.js";
import { css as t, html as n } from "@umbraco-cms/backoffice/external/lit";
import { UmbLitElement as r } from "@umbraco-cms/backoffice/lit-element";
// App_Plugins/DynamicCot/src/backoffice/jobs-dashboard.element.ts
var i = class extends r {
	static {
		this.properties = {
			_api: { state: !0 },
			_error: { state: !0 },
			_dashboardPath: { state: !0 }
		};
	}
	constructor() {
		super(), this._error = "", this._dashboardPath = null;
	}
	connectedCallback() {
		super.connectedCallback(), e(this).then((e) => {
			this._api = e, e.getConfig().then((e) => {
				this._dashboardPath = e.dashboardPath;
			}, () => {});
		}, (e) => {
			this._error = e.message;
		});
	}
	render() {
		return n`
      <uui-box headline="Bulk keyphrase retagging">
        <p>Retag a document type, a subtree (the root document's id) or all content. Every server of the site takes
          batches of a job; jobs survive restarts and can be paused, resumed, restarted or cancelled; failed items are
          listed with their reason. Starting or changing a job needs the publish permission on its content.</p>
        ${this._dashboardPath ? n`<p><a href=${this._dashboardPath} target="_blank" rel="noopener">Background jobs dashboard</a>
              (administrators; Hangfire's view of every server's queues, retries and failures)</p>` : ""}
        ${this._error ? n`<p class="error">${this._error}</p>` : ""}
        ${this._api ? n`<dynamiccot-job-list .api=${this._api}></dynamiccot-job-list>` : ""}
      </uui-box>`;
	}
	static {
		this.styles = t`
    :host { display: block; padding: var(--uui-size-layout-1); }
    .error { color: var(--uui-color-danger); }
  `;
	}
};
customElements.get("dynamiccot-jobs-dashboard") ?? customElements.define("dynamiccot-jobs-dashboard", i);
export { i as DynamicCotJobsDashboardElement, i as default };
