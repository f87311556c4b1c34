import { t as e } from "./chunks/backoffice-api-client-BSZfKONG.js";
import { t } from "./chunks/open-suggestions-DNyyWg8B.js";
import { i as n, n as r, r as i } from "./chunks/tags-property-CBAkPwN6.js";
import { UmbWorkspaceActionBase as a } from "@umbraco-cms/backoffice/workspace";
import { UMB_DOCUMENT_WORKSPACE_CONTEXT as o } from "@umbraco-cms/backoffice/document";
// App_Plugins/DynamicCot/src/backoffice/suggest-keyphrases-workspace-action.api.ts
var s = class extends a {
	async execute() {
		let a = await this.getContext(o), s = a?.getUnique();
		if (!a || !s) return;
		let c = a.structure.getOwnerContentType()?.alias, l = await (await e(this)).getConfig(), u = n(l, c);
		if (!u) throw Error(r(c));
		let d = await a.structure.getContentTypeProperties(), f = await t(this, {
			contentId: s,
			existingTags: i(a.getPropertyValue(u)),
			propertyName: d.find((e) => e.alias === u)?.name
		});
		f && await a.setPropertyValue(u, f);
	}
};
export { s as DynamicCotSuggestKeyphrasesWorkspaceAction, s as api };
