import { n as e } from "./dynamiccot-api-client-C6ay7w1X.js";
import { UMB_AUTH_CONTEXT as t } from "@umbraco-cms/backoffice/auth";
// App_Plugins/DynamicCot/src/backoffice/backoffice-api-client.ts
async function n(n) {
	let r = await n.getContext(t);
	if (!r) throw Error("DynamicCot: the backoffice auth context is not available.");
	let i = r.getOpenApiConfiguration();
	return new e({
		baseUrl: i.base ?? "",
		credentials: i.credentials ?? "same-origin",
		authorization: async () => {
			let e = await i.token();
			return e ? `Bearer ${e}` : void 0;
		}
	});
}
export { n as t };
