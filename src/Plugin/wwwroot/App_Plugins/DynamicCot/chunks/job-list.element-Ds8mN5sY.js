import { a as e, i as t, n, r, t as i } from "./define-DeKlAsLr.js";
import { n as a } from "./dynamiccot-api-client-C6ay7w1X.js";
// App_Plugins/DynamicCot/src/jobs/job-progress-format.ts
var o = 1e3, s = 5e3;
function c(e) {
	return e.status === "Queued" || e.status === "Running";
}
function l(e) {
	return e.some(c) ? o : s;
}
function u(e) {
	return e.total <= 0 ? +(e.status === "Completed") : Math.min(1, Math.max(0, (e.done + e.failed + (e.skipped ?? 0)) / e.total));
}
function d(e) {
	return e == null || !Number.isFinite(e) || e <= 0 ? "—" : e >= 1 ? `${e.toFixed(e >= 10 ? 0 : 1)} items/s` : `${(e * 60).toFixed(1)} items/min`;
}
function f(e) {
	if (e == null || !Number.isFinite(e) || e < 0) return "—";
	let t = Math.ceil(e);
	if (t < 60) return `${t} s`;
	let n = Math.floor(t / 60);
	return n < 60 ? `${n} min ${String(t % 60).padStart(2, "0")} s` : `${Math.floor(n / 60)} h ${String(n % 60).padStart(2, "0")} min`;
}
function p(e) {
	let t = [];
	return e.documentType && t.push(`document type "${e.documentType}"`), e.rootKey && t.push(`under ${e.rootKey}`), t.length ? t.join(" ") : "all content";
}
function m(e) {
	let t = e.skipped ? `, ${e.skipped} skipped` : "", n = `${e.done} done, ${e.failed} failed${t} of ${e.total}`;
	return c(e) ? `${n} · ${d(e.ratePerSecond)} · ETA ${f(e.etaSeconds)}` : n;
}
function h(e) {
	switch (e.status) {
		case "Queued":
		case "Running": return ["pause", "cancel"];
		case "Paused": return [
			"resume",
			"restart",
			"cancel"
		];
		default: return ["restart"];
	}
}
function g(e) {
	return [...e.nodes ?? []].sort((e, t) => t.done + t.failed - (e.done + e.failed) || e.node.localeCompare(t.node)).map((e) => `${e.done} on ${e.node}${e.failed ? ` (${e.failed} failed)` : ""}`).join(" · ");
}
// App_Plugins/DynamicCot/src/elements/job-list.element.ts
var _ = 5, v = class extends n {
	static {
		this.properties = {
			api: { attribute: !1 },
			documentTypes: { attribute: "document-types" },
			_jobs: { state: !0 },
			_message: { state: !0 }
		};
	}
	#e;
	#t = !1;
	constructor() {
		super(), this.api = new a(), this._jobs = [], this._message = "";
	}
	connectedCallback() {
		super.connectedCallback(), this.#t = !0, this.#n();
	}
	disconnectedCallback() {
		this.#t = !1, clearTimeout(this.#e), super.disconnectedCallback();
	}
	async refresh() {
		let e = await this.api.listJobs();
		return this._jobs = e.slice(0, _), this.dispatchEvent(new CustomEvent("jobs-changed", { detail: { jobs: this._jobs } })), e;
	}
	async #n() {
		clearTimeout(this.#e);
		let e;
		try {
			e = l(await this.refresh()), this._message.startsWith("Jobs unavailable") && (this._message = "");
		} catch (t) {
			this._message = `Jobs unavailable: ${t.message}`, e = l([]);
		}
		this.#t && (this.#e = setTimeout(() => void this.#n(), e));
	}
	async #r(e) {
		e.preventDefault();
		let t = new FormData(e.target), n = String(t.get("documentType") ?? "").trim(), r = String(t.get("rootId") ?? "").trim(), i = n || r ? {
			...n ? { documentType: n } : {},
			...r ? { rootId: r } : {}
		} : { all: !0 };
		try {
			await this.api.startJob(i), this._message = "";
		} catch (e) {
			this._message = e.message;
		}
		this.#n();
	}
	async #i(e, t) {
		try {
			await this.api.commandJob(e.id, t);
		} catch (e) {
			this._message = e.message;
		}
		this.#n();
	}
	render() {
		let e = this.documentTypes?.split(",").map((e) => e.trim()).filter(Boolean);
		return t`
      <form class="start" @submit=${(e) => this.#r(e)}>
        <label>Document type
          ${e ? t`<select name="documentType"><option value="">all content</option>${e.map((e) => t`<option value=${e}>${e}</option>`)}</select>` : t`<input name="documentType" placeholder="alias, empty for all" />`}
        </label>
        <label>Subtree root id <input name="rootId" placeholder="optional" size="36" /></label>
        <button type="submit">Start bulk retag</button>
      </form>
      <p class="message" role="status">${this._message}</p>
      ${this._jobs.length ? this._jobs.map((e) => this.#a(e)) : t`<p class="none">No bulk jobs yet.</p>`}`;
	}
	#a(e) {
		let n = Math.round(u(e) * 100);
		return t`
      <article class="job" data-job-id=${e.id} data-status=${e.status}>
        <header><strong class="status">${e.status}</strong> <span class="selection">${p(e.selection)}</span></header>
        <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${n}>
          <span class="fill" style="width:${n}%"></span>
        </div>
        <p class="counts">${n}% · ${m(e)}</p>
        ${e.nodes?.length ? t`<p class="nodes">By node: ${g(e)}</p>` : r}
        ${e.startedBy ? t`<p class="started-by">Started by ${e.startedBy}</p>` : r}
        ${e.error ? t`<p class="error" role=${e.status === "Failed" ? "alert" : "status"}>${e.error}</p>` : r}
        <div class="commands">
          ${h(e).map((n) => t`<button type="button" class=${n} @click=${() => this.#i(e, n)}>${n}</button>`)}
        </div>
        ${e.failures.length ? t`<ul class="failures">${e.failures.map((e) => t`<li>${e.contentKey}: ${e.reason}</li>`)}</ul>` : r}
      </article>`;
	}
	static {
		this.styles = e`
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
};
i("dynamiccot-job-list", v);
export { v as t };
