import { a as e, i as t, n, r, t as i } from "./define-DeKlAsLr.js";
import { n as a } from "./dynamiccot-api-client-C6ay7w1X.js";
// App_Plugins/DynamicCot/src/suggestions/chip-state.ts
function o(e, t) {
	return e.trim().toLocaleLowerCase() === t.trim().toLocaleLowerCase();
}
function s(e) {
	return Number.isFinite(e) ? Math.min(100, Math.max(0, Math.round(e * 100))) : 0;
}
function c(e) {
	let t = [];
	for (let n of [...e].sort((e, t) => t.confidence - e.confidence)) {
		let e = n.text.trim();
		e && !t.some((t) => o(t.text, e)) && t.push({
			text: e,
			confidence: n.confidence,
			matchedExistingTag: n.matchedExistingTag,
			decision: "pending"
		});
	}
	return t;
}
function l(e, t, n) {
	return e.map((e) => o(e.text, t) ? {
		...e,
		decision: e.decision === n ? "pending" : n
	} : e);
}
function u(e) {
	return e.map((e) => e.decision === "pending" ? {
		...e,
		decision: "accepted"
	} : e);
}
function d(e, t) {
	let n = t.trim();
	return !n || e.some((e) => o(e, n)) ? [...e] : [...e, n];
}
function f(e, t, n = []) {
	let r = [...e];
	for (let e of [...t.filter((e) => e.decision === "accepted").map((e) => e.text), ...n]) r.some((t) => o(t, e)) || r.push(e);
	return r;
}
function p(e, t = []) {
	return t.length > 0 || e.some((e) => e.decision !== "pending");
}
function m(e, t, n = []) {
	return {
		...e.contentId ? { contentId: e.contentId } : {},
		...e.text ? { text: e.text } : {},
		accepted: t.filter((e) => e.decision === "accepted").map((e) => e.text),
		rejected: t.filter((e) => e.decision === "rejected").map((e) => e.text),
		added: n.filter((e) => !t.some((t) => o(t.text, e)))
	};
}
// App_Plugins/DynamicCot/src/elements/suggestion-chips.element.ts
var h = class extends n {
	static {
		this.properties = { chips: { attribute: !1 } };
	}
	constructor() {
		super(), this.chips = [];
	}
	#e(e, t) {
		this.dispatchEvent(new CustomEvent("chip-decision", {
			detail: {
				text: e,
				decision: t
			},
			bubbles: !0,
			composed: !0
		}));
	}
	render() {
		if (!this.chips.length) return t`<p class="empty">No keyphrases suggested.</p>`;
		let e = this.chips.some((e) => e.decision === "pending");
		return t`
      <ul class="chips" aria-label="Suggested keyphrases">
        ${this.chips.map((e) => this.#t(e))}
      </ul>
      <button class="accept-all" type="button" ?disabled=${!e}
        @click=${() => this.dispatchEvent(new CustomEvent("accept-all", {
			bubbles: !0,
			composed: !0
		}))}>Accept all</button>`;
	}
	#t(e) {
		let n = s(e.confidence);
		return t`
      <li class="chip ${e.decision}" data-keyphrase=${e.text} data-decision=${e.decision}>
        <span class="text">${e.text}</span>
        ${e.matchedExistingTag ? t`<span class="existing" title="Already a tag of this item">existing</span>` : r}
        <span class="confidence" title="Confidence ${n}%">
          <span class="bar" role="meter" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${n}
            aria-label="Confidence"><span class="fill" style="width:${n}%"></span></span>
          <span class="percent">${n}%</span>
        </span>
        <button type="button" class="accept" aria-pressed=${e.decision === "accepted"} title="Accept ${e.text}"
          @click=${() => this.#e(e.text, "accepted")}>✓</button>
        <button type="button" class="reject" aria-pressed=${e.decision === "rejected"} title="Reject ${e.text}"
          @click=${() => this.#e(e.text, "rejected")}>✕</button>
      </li>`;
	}
	static {
		this.styles = e`
    :host { display: block; font: inherit; }
    .chips { list-style: none; display: flex; flex-wrap: wrap; gap: 0.4rem; padding: 0; margin: 0 0 0.5rem; }
    .chip { display: inline-flex; align-items: center; gap: 0.35rem; border: 1px solid #3544b1; border-radius: 1rem;
      padding: 0.15rem 0.35rem 0.15rem 0.7rem; background: #fff; }
    .chip.accepted { background: #d9f2dd; border-color: #2a7d38; }
    .chip.rejected { opacity: 0.5; text-decoration: line-through; }
    .existing { font-size: 0.7rem; color: #555; border: 1px solid #bbb; border-radius: 0.5rem; padding: 0 0.3rem; }
    .confidence { display: inline-flex; align-items: center; gap: 0.25rem; font-size: 0.75rem; color: #444; }
    .bar { display: inline-block; width: 2.5rem; height: 0.35rem; background: #e3e6f3; border-radius: 0.2rem; overflow: hidden; }
    .fill { display: block; height: 100%; background: #3544b1; }
    button { border: none; background: none; cursor: pointer; font-size: 0.95rem; padding: 0 0.2rem; border-radius: 0.5rem; }
    button[aria-pressed='true'] { background: rgba(0, 0, 0, 0.1); }
    .accept-all { border: 1px solid #3544b1; padding: 0.2rem 0.6rem; font-size: 0.85rem; }
    .accept-all:disabled { opacity: 0.5; cursor: default; }
    .empty { color: #666; margin: 0; }
  `;
	}
};
i("dynamiccot-suggestion-chips", h);
// App_Plugins/DynamicCot/src/elements/suggestion-panel.element.ts
var g = class extends n {
	static {
		this.properties = {
			contentId: { attribute: "content-id" },
			existingTags: { attribute: !1 },
			api: { attribute: !1 },
			autoSuggest: {
				type: Boolean,
				attribute: "auto-suggest"
			},
			_state: { state: !0 },
			_chips: { state: !0 },
			_added: { state: !0 },
			_message: { state: !0 }
		};
	}
	#e;
	constructor() {
		super(), this.existingTags = [], this.api = new a(), this.autoSuggest = !1, this._state = "idle", this._chips = [], this._added = [], this._message = "";
	}
	connectedCallback() {
		super.connectedCallback(), this.autoSuggest && this._state === "idle" && this.suggest();
	}
	disconnectedCallback() {
		this.#e?.abort(), super.disconnectedCallback();
	}
	async suggest() {
		if (!this.contentId) this._message = "Save the item first: suggestions are made from its saved text and image.";
		else {
			this.#e?.abort(), this.#e = new AbortController(), this._state = "loading", this._message = "Asking the model…";
			try {
				let e = await this.api.suggestForContent(this.contentId, this.#e.signal);
				this._chips = c(e.keyphrases), this._added = [], this._message = "", this._state = "ready";
			} catch (e) {
				if (e.name === "AbortError") return;
				this._message = e.message, this._state = this._chips.length ? "ready" : "idle";
			}
		}
	}
	async apply() {
		let e = m({ contentId: this.contentId }, this._chips, this._added), t = f(this.existingTags, this._chips, this._added);
		this._state = "applying";
		let n = !0;
		if (p(this._chips, this._added)) try {
			await this.api.recordFeedback(e);
		} catch (e) {
			n = !1, this._message = `Feedback not recorded: ${e.message}`;
		}
		this._state = "ready", n && (this._message = "Applied."), this.dispatchEvent(new CustomEvent("tags-applied", {
			detail: {
				tags: t,
				accepted: e.accepted,
				rejected: e.rejected,
				added: e.added,
				feedbackRecorded: n
			},
			bubbles: !0,
			composed: !0
		}));
	}
	#t(e) {
		this._chips = l(this._chips, e.detail.text, e.detail.decision);
	}
	#n(e) {
		e.preventDefault();
		let t = e.target.elements.namedItem("tag");
		this._added = d(this._added, t.value), t.value = "";
	}
	render() {
		let e = this._state === "loading" || this._state === "applying";
		return t`
      <div class="toolbar">
        <button type="button" class="suggest" ?disabled=${e} @click=${() => this.suggest()}>
          ${this._state === "idle" ? "Suggest keyphrases" : "Suggest again"}
        </button>
      </div>
      ${this._state === "ready" || this._state === "applying" ? this.#r(e) : r}
      <p class="status" role="status">${this._message}</p>`;
	}
	#r(e) {
		return t`
      <dynamiccot-suggestion-chips .chips=${this._chips}
        @chip-decision=${(e) => this.#t(e)}
        @accept-all=${() => {
			this._chips = u(this._chips);
		}}></dynamiccot-suggestion-chips>
      <form class="add" @submit=${(e) => this.#n(e)}>
        <input name="tag" placeholder="Add a tag" aria-label="Add a tag" />
        <button type="submit">Add</button>
        ${this._added.map((e) => t`<span class="added">${e}</span>`)}
      </form>
      <button type="button" class="apply" ?disabled=${e || !p(this._chips, this._added)}
        @click=${() => this.apply()}>Apply to tags</button>`;
	}
	static {
		this.styles = e`
    :host { display: block; }
    .toolbar { margin-bottom: 0.5rem; }
    button { font: inherit; cursor: pointer; }
    .add { display: flex; gap: 0.3rem; align-items: center; margin: 0.4rem 0; flex-wrap: wrap; }
    .added { background: #e8eefc; border-radius: 0.6rem; padding: 0 0.5rem; }
    .status { color: #a33; min-height: 1.2em; margin: 0.3rem 0 0; }
  `;
	}
};
i("dynamiccot-suggestion-panel", g);
export { h as n, g as t };
