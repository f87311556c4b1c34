// App_Plugins/DynamicCot/src/api/dynamiccot-api-client.ts
var e = "/umbraco/dynamiccot/api/v1", t = class extends Error {
	constructor(e, t, n = {}) {
		super(t), this.status = e, this.fieldErrors = n, this.name = "DynamicCotApiError";
	}
}, n = class {
	#e;
	#t;
	#n;
	#r;
	constructor(e = {}) {
		this.#e = (e.baseUrl ?? "").replace(/\/+$/, ""), this.#t = e.authorization ?? (async () => void 0), this.#n = e.credentials ?? "same-origin", this.#r = (e.fetch ?? globalThis.fetch).bind(globalThis);
	}
	suggestForContent(e, t) {
		let n = new FormData();
		return n.append("contentId", e), this.#i("POST", "suggest", n, t);
	}
	suggestForText(e, t, n = "image", r) {
		let i = new FormData();
		return i.append("text", e), t && i.append("image", t, n), this.#i("POST", "suggest", i, r);
	}
	recordFeedback(e) {
		return this.#i("POST", "feedback", e);
	}
	getConfig(e) {
		return this.#i("GET", "config", void 0, e);
	}
	listJobs(e) {
		return this.#i("GET", "jobs", void 0, e);
	}
	getJob(e) {
		return this.#i("GET", `jobs/${encodeURIComponent(e)}`);
	}
	startJob(e) {
		return this.#i("POST", "jobs", e);
	}
	commandJob(e, t) {
		return this.#i("POST", `jobs/${encodeURIComponent(e)}/${t}`);
	}
	async #i(t, n, i, a) {
		let o = { accept: "application/json" }, s = await this.#t();
		s && (o.authorization = s);
		let c;
		i instanceof FormData ? c = i : i !== void 0 && (o["content-type"] = "application/json", c = JSON.stringify(i));
		let l = await this.#r(`${this.#e}${e}/${n}`, {
			method: t,
			headers: o,
			body: c,
			credentials: this.#n,
			signal: a
		}), u = l.headers.get("content-type")?.includes("json") ?? !1 ? await l.json() : await l.text();
		if (!l.ok) throw r(l.status, u);
		return u;
	}
};
function r(e, n) {
	if (n && typeof n == "object") {
		let r = n;
		return new t(e, r.detail ?? r.title ?? `HTTP ${e}`, r.errors ?? {});
	}
	return new t(e, typeof n == "string" && n.trim() ? n.trim().slice(0, 200) : `HTTP ${e}`);
}
export { n, t as r, e as t };
