import { describe, expect, it } from 'vitest';
import { DynamicCotApiClient, DynamicCotApiError } from '../src/api/dynamiccot-api-client.js';

interface Recorded { url: string; init: RequestInit }

function fakeFetch(status: number, body: unknown, contentType = 'application/json') {
  const calls: Recorded[] = [];
  const fetch = async (url: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': contentType } });
  };
  return { calls, fetch: fetch as typeof globalThis.fetch };
}

describe('DynamicCotApiClient', () => {
  it('posts a content id as multipart form data with the authorization header', async () => {
    const { calls, fetch } = fakeFetch(200, { contentId: 'k', keyphrases: [] });
    const client = new DynamicCotApiClient({ baseUrl: 'https://site.example/', fetch, authorization: async () => 'Bearer t0k' });
    await client.suggestForContent('k');
    expect(calls[0].url).toBe('https://site.example/umbraco/dynamiccot/api/v1/suggest');
    expect(calls[0].init.method).toBe('POST');
    expect((calls[0].init.body as FormData).get('contentId')).toBe('k');
    expect((calls[0].init.headers as Record<string, string>).authorization).toBe('Bearer t0k');
  });

  it('sends JSON bodies for feedback and jobs', async () => {
    const { calls, fetch } = fakeFetch(202, { id: 'j' });
    const client = new DynamicCotApiClient({ fetch });
    await client.startJob({ documentType: 'post' });
    await client.commandJob('a/b', 'pause');
    expect(calls[0].url).toBe('/umbraco/dynamiccot/api/v1/jobs');
    expect(calls[0].init.body).toBe('{"documentType":"post"}');
    expect((calls[0].init.headers as Record<string, string>)['content-type']).toBe('application/json');
    expect(calls[1].url).toBe('/umbraco/dynamiccot/api/v1/jobs/a%2Fb/pause');
  });

  it('turns problem details into an error carrying the detail and field errors', async () => {
    const { fetch } = fakeFetch(404, { title: 'Invalid request', detail: 'contentId: No content item has the id x.', errors: { contentId: ['No content item has the id x.'] } }, 'application/problem+json');
    const error = await new DynamicCotApiClient({ fetch }).suggestForContent('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DynamicCotApiError);
    expect((error as DynamicCotApiError).status).toBe(404);
    expect((error as DynamicCotApiError).message).toBe('contentId: No content item has the id x.');
    expect((error as DynamicCotApiError).fieldErrors.contentId).toHaveLength(1);
  });

  it('reports a plain-text error body', async () => {
    const { fetch } = fakeFetch(502, 'Bad gateway', 'text/plain');
    await expect(new DynamicCotApiClient({ fetch }).listJobs()).rejects.toThrow('Bad gateway');
  });

  it('reads the tags-property configuration from the server', async () => {
    const config = { documentTypes: [{ alias: 'post', tagsProperty: 'tags' }], dashboardPath: '/umbraco/dynamiccot/hangfire' };
    const { calls, fetch } = fakeFetch(200, config);
    const client = new DynamicCotApiClient({ fetch });
    expect(await client.getConfig()).toEqual(config);
    expect(calls[0].url).toBe('/umbraco/dynamiccot/api/v1/config');
    expect(calls[0].init.method).toBe('GET');
  });
});
