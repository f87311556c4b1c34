import { t as e } from "./chunks/tags-property-CBAkPwN6.js";
// App_Plugins/DynamicCot/src/backoffice/entry-point.ts
var t = {
	type: "propertyAction",
	kind: "default",
	alias: "DynamicCot.PropertyAction.SuggestKeyphrases",
	name: "DynamicCot: suggest keyphrases for a tags property",
	forPropertyEditorUis: [e],
	api: () => import("./chunks/suggest-keyphrases-property-action.api-C1vODV5D.js"),
	meta: {
		icon: "icon-tags",
		label: "Suggest keyphrases"
	}
}, n = (e, n) => {
	n.register(t);
};
export { n as onInit };
