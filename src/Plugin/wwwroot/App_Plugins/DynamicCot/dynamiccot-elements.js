import { n as e, r as t, t as n } from "./chunks/dynamiccot-api-client-BxCmyinv.js";
import { n as r, t as i } from "./chunks/suggestion-panel.element-COT4o613.js";
import { t as a } from "./chunks/job-list.element-icyu_RF9.js";
export { n as DYNAMICCOT_API_PATH, e as DynamicCotApiClient, t as DynamicCotApiError, a as DynamicCotJobListElement, r as DynamicCotSuggestionChipsElement, i as DynamicCotSuggestionPanelElement };
