import { UMB_MODAL_MANAGER_CONTEXT as e, UmbModalToken as t } from "@umbraco-cms/backoffice/modal";
var n = new t("DynamicCot.Modal.Suggestions", { modal: {
	type: "sidebar",
	size: "medium"
} });
// App_Plugins/DynamicCot/src/backoffice/open-suggestions.ts
async function r(t, r) {
	let i = await t.getContext(e);
	if (!i) throw Error("DynamicCot: the modal manager is not available.");
	try {
		return (await i.open(t, n, { data: r }).onSubmit())?.tags;
	} catch {
		return;
	}
}
export { r as t };
