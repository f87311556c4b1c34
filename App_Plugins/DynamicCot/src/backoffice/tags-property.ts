// Plain logic the backoffice actions use, kept free of the backoffice runtime so it is unit-tested.
import type { TaggingConfig } from '../api/types.js';

/** Schema alias of Umbraco's tags property editor. */
export const TAGS_EDITOR_ALIAS = 'Umbraco.Tags';
/** UI alias of the tags property editor, which the property action attaches to. */
export const TAGS_EDITOR_UI_ALIAS = 'Umb.PropertyEditorUi.Tags';

/**
 * The property that receives suggested tags for a document type, as the server's configuration says
 * (DynamicCot:DocumentTypes:&lt;alias&gt;:TagsProperty); undefined when the type is not configured for tagging.
 * Nothing is guessed from editor aliases or property names: the server writes where it is configured to.
 */
export function tagsPropertyFor(config: TaggingConfig, documentTypeAlias: string | undefined): string | undefined {
  if (!documentTypeAlias) return undefined;
  const alias = documentTypeAlias.toLowerCase();
  return config.documentTypes.find((t) => t.alias.toLowerCase() === alias)?.tagsProperty;
}

/** Why suggestions cannot go into a document type (shown to the editor). */
export function notConfiguredMessage(documentTypeAlias: string | undefined): string {
  return `Keyphrase suggestions are not configured for document type "${documentTypeAlias ?? 'unknown'}": ` +
    'set DynamicCot:DocumentTypes:<alias>:TagsProperty in the site\'s configuration.';
}

/** The tags editor's value is a string array; older content can hold a JSON or CSV string. */
export function readTagsValue(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v.trim() !== '');
  if (typeof value !== 'string' || !value.trim()) return [];
  const text = value.trim();
  if (text.startsWith('[')) {
    try {
      return readTagsValue(JSON.parse(text));
    } catch {
      // not JSON after all: fall through to CSV
    }
  }
  return text.split(',').map((t) => t.trim()).filter(Boolean);
}
