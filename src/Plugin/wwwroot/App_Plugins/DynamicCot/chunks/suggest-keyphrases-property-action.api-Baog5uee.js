import { t as e } from "./open-suggestions-BWyWGYoD.js";
import { r as t } from "./tags-property-QO7nKuQr.js";
import { UMB_DOCUMENT_WORKSPACE_CONTEXT as n } from "@umbraco-cms/backoffice/document";
import { UmbPropertyActionBase as r } from "@umbraco-cms/backoffice/property-action";
import { UMB_PROPERTY_CONTEXT as i } from "@umbraco-cms/backoffice/property";
// src/Plugin/App_Plugins/DynamicCot/src/backoffice/suggest-keyphrases-property-action.api.ts
var a = class extends r {
	async execute() {
		let r = await this.getContext(i), a = (await this.getContext(n))?.getUnique();
		if (!r || !a) throw Error("Keyphrase suggestions are available on documents only.");
		let o = await e(this, {
			contentId: a,
			existingTags: t(r.getValue()),
			propertyName: r.getLabel()
		});
		o && r.setValue(o);
	}
};
export { a as DynamicCotSuggestKeyphrasesPropertyAction, a as api };
