import { t as e } from "./chunks/open-suggestions-BWyWGYoD.js";
import { n as t, r as n } from "./chunks/tags-property-QO7nKuQr.js";
import { UmbWorkspaceActionBase as r } from "@umbraco-cms/backoffice/workspace";
import { UMB_DOCUMENT_WORKSPACE_CONTEXT as i } from "@umbraco-cms/backoffice/document";
import { UmbDataTypeDetailRepository as a } from "@umbraco-cms/backoffice/data-type";
// src/Plugin/App_Plugins/DynamicCot/src/backoffice/suggest-keyphrases-workspace-action.api.ts
var o = class extends r {
	async execute() {
		let r = await this.getContext(i), o = r?.getUnique();
		if (!r || !o) return;
		let s = await r.structure.getContentTypeProperties(), c = new a(this), l = await Promise.all(s.map(async (e) => {
			let { data: t } = await c.requestByUnique(e.dataType.unique);
			return {
				alias: e.alias,
				name: e.name,
				editorAlias: t?.editorAlias
			};
		})), u = t(l);
		if (!u) throw Error("This document type has no tags property to write suggestions into.");
		let d = await e(this, {
			contentId: o,
			existingTags: n(r.getPropertyValue(u)),
			propertyName: l.find((e) => e.alias === u)?.name
		});
		d && await r.setPropertyValue(u, d);
	}
};
export { o as DynamicCotSuggestKeyphrasesWorkspaceAction, o as api };
