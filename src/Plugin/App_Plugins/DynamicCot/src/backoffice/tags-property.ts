// Plain logic the backoffice actions use, kept free of the backoffice runtime so it is unit-tested.

/** Schema alias of Umbraco's tags property editor. */
export const TAGS_EDITOR_ALIAS = 'Umbraco.Tags';
/** UI alias of the tags property editor, which the property action attaches to. */
export const TAGS_EDITOR_UI_ALIAS = 'Umb.PropertyEditorUi.Tags';

export interface PropertyWithEditor {
  alias: string;
  editorAlias: string | undefined;
}

/**
 * The property that receives suggested tags: the only tags property, or, when a document type has several, the one
 * named "tags" (then "keywords"), else the first. Undefined when the document has none.
 */
export function pickTagsProperty(properties: readonly PropertyWithEditor[]): string | undefined {
  const tags = properties.filter((p) => p.editorAlias === TAGS_EDITOR_ALIAS);
  for (const preferred of ['tags', 'keywords']) {
    const match = tags.find((p) => p.alias.toLowerCase() === preferred);
    if (match) return match.alias;
  }
  return tags[0]?.alias;
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
