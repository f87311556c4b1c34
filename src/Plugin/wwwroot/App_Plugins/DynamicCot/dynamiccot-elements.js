import { n as e, r as t, t as n } from "./chunks/dynamiccot-api-client-C6ay7w1X.js";
import { n as r, t as i } from "./chunks/suggestion-panel.element-CNTGg4nA.js";
import { t as a } from "./chunks/job-list.element-Ds8mN5sY.js";
export { n as DYNAMICCOT_API_PATH, e as DynamicCotApiClient, t as DynamicCotApiError, a as DynamicCotJobListElement, r as DynamicCotSuggestionChipsElement, i as DynamicCotSuggestionPanelElement };
