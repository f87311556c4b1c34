import { describe, expect, it } from 'vitest';
import { notConfiguredMessage, readTagsValue, tagsPropertyFor } from '../src/backoffice/tags-property.js';

describe('tags property', () => {
  const config = {
    documentTypes: [{ alias: 'blogPost', tagsProperty: 'keyphrases' }, { alias: 'photo', tagsProperty: 'tags' }],
    dashboardPath: null,
  };

  it('is the one the server configures for the document type, whatever other tags properties exist', () => {
    expect(tagsPropertyFor(config, 'blogPost')).toBe('keyphrases');
    expect(tagsPropertyFor(config, 'BLOGPOST')).toBe('keyphrases');
    expect(tagsPropertyFor(config, 'photo')).toBe('tags');
  });

  it('is nothing for a document type the server does not tag (no guess from names)', () => {
    expect(tagsPropertyFor(config, 'article')).toBeUndefined();
    expect(tagsPropertyFor(config, undefined)).toBeUndefined();
    expect(notConfiguredMessage('article')).toContain('DynamicCot:DocumentTypes:<alias>:TagsProperty');
  });

  it('reads arrays, JSON strings and CSV strings', () => {
    expect(readTagsValue(['a', '', 'b', 3])).toEqual(['a', 'b']);
    expect(readTagsValue('["x","y"]')).toEqual(['x', 'y']);
    expect(readTagsValue('x, y ,')).toEqual(['x', 'y']);
    expect(readTagsValue(undefined)).toEqual([]);
  });
});
