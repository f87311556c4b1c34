// App_Plugins/DynamicCot/src/backoffice/tags-property.ts
var e = "Umb.PropertyEditorUi.Tags";
function t(e, t) {
	if (!t) return;
	let n = t.toLowerCase();
	return e.documentTypes.find((e) => e.alias.toLowerCase() === n)?.tagsProperty;
}
function n(e) {
	return `Keyphrase suggestions are not configured for document type "${e ?? "unknown"}": set DynamicCot:DocumentTypes:<alias>:TagsProperty in the site's configuration.`;
}
function r(e) {
	if (Array.isArray(e)) return e.filter((e) => typeof e == "string" && e.trim() !== "");
	if (typeof e != "string" || !e.trim()) return [];
	let t = e.trim();
	if (t.startsWith("[")) try {
		return r(JSON.parse(t));
	} catch {}
	return t.split(",").map((e) => e.trim()).filter(Boolean);
}
export { t as i, n, r, e as t };
