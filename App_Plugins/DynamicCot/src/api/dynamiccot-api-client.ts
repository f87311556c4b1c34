import type {
  BulkJob,
  FeedbackRequest,
  JobCommand,
  StartJobRequest,
  SuggestResponse,
  TaggingConfig,
} from './types.js';

/** The API's path under the site root; the same on an Umbraco site and on the demo host. */
export const DYNAMICCOT_API_PATH = '/umbraco/dynamiccot/api/v1';

export interface DynamicCotApiClientOptions {
  /** Origin (or path prefix) of the site; empty means the page's own origin. */
  baseUrl?: string;
  /** Returns the Authorization header value, e.g. the backoffice bearer token; undefined sends none. */
  authorization?: () => Promise<string | undefined>;
  credentials?: RequestCredentials;
  /** Injected in unit tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** An answer outside 2xx; carries the server's problem details so the UI can show its message. */
export class DynamicCotApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fieldErrors: Record<string, string[]> = {},
  ) {
    super(message);
    this.name = 'DynamicCotApiError';
  }
}

/** Typed calls to the plugin's HTTP API. Knows nothing of Umbraco: the backoffice passes its token provider in. */
export class DynamicCotApiClient {
  readonly #baseUrl: string;
  readonly #authorization: () => Promise<string | undefined>;
  readonly #credentials: RequestCredentials;
  readonly #fetch: typeof fetch;

  constructor(options: DynamicCotApiClientOptions = {}) {
    this.#baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
    this.#authorization = options.authorization ?? (async () => undefined);
    this.#credentials = options.credentials ?? 'same-origin';
    // Bound so that a window.fetch passed in keeps its receiver.
    this.#fetch = (options.fetch ?? globalThis.fetch).bind(globalThis);
  }

  suggestForContent(contentId: string, signal?: AbortSignal): Promise<SuggestResponse> {
    const form = new FormData();
    form.append('contentId', contentId);
    return this.#send('POST', 'suggest', form, signal);
  }

  suggestForText(text: string, image?: Blob, imageName = 'image', signal?: AbortSignal): Promise<SuggestResponse> {
    const form = new FormData();
    form.append('text', text);
    if (image) form.append('image', image, imageName);
    return this.#send('POST', 'suggest', form, signal);
  }

  recordFeedback(feedback: FeedbackRequest): Promise<unknown> {
    return this.#send('POST', 'feedback', feedback);
  }

  /** Which property of which document type receives tags, and where the jobs dashboard is. */
  getConfig(signal?: AbortSignal): Promise<TaggingConfig> {
    return this.#send('GET', 'config', undefined, signal);
  }

  listJobs(signal?: AbortSignal): Promise<BulkJob[]> {
    return this.#send('GET', 'jobs', undefined, signal);
  }

  getJob(id: string): Promise<BulkJob> {
    return this.#send('GET', `jobs/${encodeURIComponent(id)}`);
  }

  startJob(request: StartJobRequest): Promise<BulkJob> {
    return this.#send('POST', 'jobs', request);
  }

  commandJob(id: string, command: JobCommand): Promise<BulkJob> {
    return this.#send('POST', `jobs/${encodeURIComponent(id)}/${command}`);
  }

  async #send<T>(method: string, path: string, body?: FormData | object, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const authorization = await this.#authorization();
    if (authorization) headers.authorization = authorization;
    let payload: BodyInit | undefined;
    if (body instanceof FormData) payload = body; // fetch sets the multipart boundary itself
    else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const response = await this.#fetch(`${this.#baseUrl}${DYNAMICCOT_API_PATH}/${path}`, {
      method,
      headers,
      body: payload,
      credentials: this.#credentials,
      signal,
    });
    const isJson = response.headers.get('content-type')?.includes('json') ?? false;
    const parsed: unknown = isJson ? await response.json() : await response.text();
    if (!response.ok) throw toApiError(response.status, parsed);
    return parsed as T;
  }
}

interface ProblemDetails {
  title?: string;
  detail?: string;
  errors?: Record<string, string[]>;
}

function toApiError(status: number, body: unknown): DynamicCotApiError {
  if (body && typeof body === 'object') {
    const problem = body as ProblemDetails;
    const message = problem.detail ?? problem.title ?? `HTTP ${status}`;
    return new DynamicCotApiError(status, message, problem.errors ?? {});
  }
  const text = typeof body === 'string' && body.trim() ? body.trim().slice(0, 200) : `HTTP ${status}`;
  return new DynamicCotApiError(status, text);
}
