import { c as e, o as t, s as n } from "./chunks/define-DgL1cxMy.js";
import { n as r, t as i } from "./chunks/suggestion-panel.element-B-zjhdsX.js";
import { t as a } from "./chunks/job-list.element-CX-MvXuf.js";
export { t as DYNAMICCOT_API_PATH, n as DynamicCotApiClient, e as DynamicCotApiError, a as DynamicCotJobListElement, r as DynamicCotSuggestionChipsElement, i as DynamicCotSuggestionPanelElement };
