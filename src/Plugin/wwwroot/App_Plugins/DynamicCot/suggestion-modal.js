import "./chunks/suggestion-panel.element-CNTGg4nA.js";
import { t as e } from "./chunks/backoffice-api-client-BSZfKONG.js";
import { UmbModalBaseElement as t } from "@umbraco-cms/backoffice/modal";
import { css as n, html as r, nothing as i } from "@umbraco-cms/backoffice/external/lit";
// App_Plugins/DynamicCot/src/backoffice/suggestion-modal.element.ts
var a = class extends t {
	static {
		this.properties = {
			_api: { state: !0 },
			_error: { state: !0 }
		};
	}
	constructor() {
		super(), this._error = "";
	}
	connectedCallback() {
		super.connectedCallback(), e(this).then((e) => {
			this._api = e;
		}, (e) => {
			this._error = e.message;
		});
	}
	#e(e) {
		this.value = { tags: e.detail.tags }, this._submitModal();
	}
	render() {
		let e = this.data;
		return r`
      <umb-body-layout headline=${`Suggest keyphrases${e?.propertyName ? ` for ${e.propertyName}` : ""}`}>
        <uui-box>
          ${this._error ? r`<p class="error">${this._error}</p>` : i}
          ${this._api && e ? r`<dynamiccot-suggestion-panel auto-suggest .api=${this._api} .contentId=${e.contentId}
                .existingTags=${e.existingTags}
                @tags-applied=${(e) => this.#e(e)}></dynamiccot-suggestion-panel>` : i}
        </uui-box>
        <div slot="actions">
          <uui-button label="Close" @click=${() => this._rejectModal()}></uui-button>
        </div>
      </umb-body-layout>`;
	}
	static {
		this.styles = n`.error { color: var(--uui-color-danger); }`;
	}
};
customElements.get("dynamiccot-suggestion-modal") ?? customElements.define("dynamiccot-suggestion-modal", a);
export { a as DynamicCotSuggestionModalElement, a as default };
