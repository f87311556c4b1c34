import { describe, expect, it } from 'vitest';
import { pickTagsProperty, readTagsValue } from '../src/backoffice/tags-property.js';

describe('tags property', () => {
  it('prefers the tags property named "tags" among several', () => {
    expect(pickTagsProperty([
      { alias: 'title', editorAlias: 'Umbraco.TextBox' },
      { alias: 'categories', editorAlias: 'Umbraco.Tags' },
      { alias: 'tags', editorAlias: 'Umbraco.Tags' },
    ])).toBe('tags');
    expect(pickTagsProperty([{ alias: 'labels', editorAlias: 'Umbraco.Tags' }])).toBe('labels');
    expect(pickTagsProperty([{ alias: 'tags', editorAlias: 'Umbraco.TextBox' }])).toBeUndefined();
  });

  it('reads arrays, JSON strings and CSV strings', () => {
    expect(readTagsValue(['a', '', 'b', 3])).toEqual(['a', 'b']);
    expect(readTagsValue('["x","y"]')).toEqual(['x', 'y']);
    expect(readTagsValue('x, y ,')).toEqual(['x', 'y']);
    expect(readTagsValue(undefined)).toEqual([]);
  });
});
