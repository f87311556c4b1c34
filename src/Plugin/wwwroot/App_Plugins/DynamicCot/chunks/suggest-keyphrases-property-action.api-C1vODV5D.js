import { t as e } from "./backoffice-api-client-BSZfKONG.js";
import { t } from "./open-suggestions-DNyyWg8B.js";
import { i as n, n as r, r as i } from "./tags-property-CBAkPwN6.js";
import { UMB_DOCUMENT_WORKSPACE_CONTEXT as a } from "@umbraco-cms/backoffice/document";
import { UmbPropertyActionBase as o } from "@umbraco-cms/backoffice/property-action";
import { UMB_PROPERTY_CONTEXT as s } from "@umbraco-cms/backoffice/property";
// App_Plugins/DynamicCot/src/backoffice/suggest-keyphrases-property-action.api.ts
var c = class extends o {
	async execute() {
		let o = await this.getContext(s), c = await this.getContext(a), l = c?.getUnique();
		if (!o || !c || !l) throw Error("Keyphrase suggestions are available on documents only.");
		let u = c.structure.getOwnerContentType()?.alias, d = n(await (await e(this)).getConfig(), u);
		if (!d) throw Error(r(u));
		if (d !== o.getAlias()) throw Error(`Suggestions for "${u}" go into its "${d}" property, not this one.`);
		let f = await t(this, {
			contentId: l,
			existingTags: i(o.getValue()),
			propertyName: o.getLabel()
		});
		f && o.setValue(f);
	}
};
export { c as DynamicCotSuggestKeyphrasesPropertyAction, c as api };
