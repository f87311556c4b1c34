// Shapes of the plugin's HTTP API (src/Plugin/Api), as ASP.NET Core serialises them (camelCase).

export interface KeyphraseSuggestion {
  text: string;
  /** 0..1, the engine's confidence in this keyphrase. */
  confidence: number;
  /** True when the keyphrase matches a tag the item already has. */
  matchedExistingTag: boolean;
}

export interface SuggestResponse {
  contentId: string | null;
  keyphrases: KeyphraseSuggestion[];
  rationale: string | null;
  promptTokens: number;
  generatedTokens: number;
  elapsedMilliseconds: number;
}

export interface FeedbackRequest {
  contentId?: string;
  text?: string;
  image?: string;
  accepted: string[];
  rejected: string[];
  added: string[];
}

export interface ContentSelection {
  rootKey: string | null;
  documentType: string | null;
  allContent: boolean;
}

/** Failed: a batch ran out of retries; `error` says why, and `restart` runs the job again. */
export type JobStatus = 'Queued' | 'Running' | 'Paused' | 'Cancelled' | 'Completed' | 'Failed';

export interface BulkItemFailure {
  contentKey: string;
  reason: string;
  attempts: number;
}

export interface BulkJob {
  id: string;
  status: JobStatus;
  selection: ContentSelection;
  total: number;
  done: number;
  failed: number;
  /** Items that cannot be tagged (gone, trashed, document type not configured): finished, not failed. */
  skipped: number;
  pending: number;
  ratePerSecond: number | null;
  etaSeconds: number | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  error: string | null;
  failures: BulkItemFailure[];
  /** The user the job's writes are attributed to. */
  startedBy: string | null;
  batches: number;
  batchesLeft: number;
  /** Items each node (Hangfire server) finished; every node of a web farm takes batches of one job. */
  nodes: NodeProgress[];
}

export interface NodeProgress {
  node: string;
  done: number;
  failed: number;
}

/** Which property of a document type receives tags: the server's configuration is the only source. */
export interface TaggedDocumentType {
  alias: string;
  tagsProperty: string;
}

export interface TaggingConfig {
  documentTypes: TaggedDocumentType[];
  /** Hangfire's dashboard (administrators only), or null when it is off. */
  dashboardPath: string | null;
}

/** Body of POST jobs: a subtree, a document type, both, or all content. */
export interface StartJobRequest {
  rootId?: string;
  documentType?: string;
  all?: boolean;
}

export type JobCommand = 'pause' | 'resume' | 'cancel' | 'restart';
