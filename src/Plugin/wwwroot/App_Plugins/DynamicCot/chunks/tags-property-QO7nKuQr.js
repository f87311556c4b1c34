// src/Plugin/App_Plugins/DynamicCot/src/backoffice/tags-property.ts
var e = "Umb.PropertyEditorUi.Tags";
function t(e) {
	let t = e.filter((e) => e.editorAlias === "Umbraco.Tags");
	for (let e of ["tags", "keywords"]) {
		let n = t.find((t) => t.alias.toLowerCase() === e);
		if (n) return n.alias;
	}
	return t[0]?.alias;
}
function n(e) {
	if (Array.isArray(e)) return e.filter((e) => typeof e == "string" && e.trim() !== "");
	if (typeof e != "string" || !e.trim()) return [];
	let t = e.trim();
	if (t.startsWith("[")) try {
		return n(JSON.parse(t));
	} catch {}
	return t.split(",").map((e) => e.trim()).filter(Boolean);
}
export { t as n, n as r, e as t };
