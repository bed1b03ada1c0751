// The one module through which the UI talks to the engine. The same typed requests go over
// HTTP to `lull serve` in a browser, or over Tauri IPC in the desktop app.
import { ANSWERS, type ApiError, type EngineEvent, type Phrase, type Request, type Response } from './types';

/**
 * An error: a stable code, what happened as a phrase the UI words in its language, the input
 * field at fault if there is one, and the engine's English (`message`).
 */
export class LullError extends Error {
  readonly problem: Phrase;
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
    problem?: Phrase,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'LullError';
    this.problem = problem ?? { code: 'text', params: { text: message } };
  }

  /** The engine's error as it came. */
  static of(e: Partial<ApiError> | null | undefined, status?: number): LullError {
    return new LullError(e?.code ?? 'internal', e?.message ?? `Lull answered ${status ?? '?'}`, status, e?.problem, e?.field);
  }
}

/** How requests reach the engine. */
export interface Transport {
  call(request: Request): Promise<Response>;
  /** Live engine events; returns a function that stops listening. */
  subscribe(onEvent: (event: EngineEvent) => void, onConnection?: (connected: boolean) => void): () => void;
  /** Opens a link from a message outside Lull (the checks happen before this is called). */
  openLink(url: string): Promise<void>;
}

type FetchLike = typeof fetch;

/** Requests over HTTP to `lull serve`, with the per-install token. */
export class HttpTransport implements Transport {
  constructor(
    private readonly base: string,
    private readonly token: string,
    private readonly fetchImpl: FetchLike = (...args) => fetch(...args),
  ) {}

  async call(request: Request): Promise<Response> {
    let resp: globalThis.Response;
    try {
      resp = await this.fetchImpl(`${this.base}api`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(request),
      });
    } catch {
      throw new LullError('unavailable', 'Lull is not answering. Is `lull serve` still running?', undefined, { code: 'app.not_answering', params: {} });
    }
    const body: unknown = await resp.json().catch(() => null);
    if (!resp.ok) {
      throw LullError.of((body as { error?: Partial<ApiError> } | null)?.error, resp.status);
    }
    return body as Response;
  }

  async openLink(url: string): Promise<void> {
    window.open(url, '_blank', 'noopener,noreferrer');
  }

  subscribe(onEvent: (event: EngineEvent) => void, onConnection?: (connected: boolean) => void): () => void {
    const controller = new AbortController();
    let delay = 500;
    const run = async () => {
      while (!controller.signal.aborted) {
        try {
          const resp = await this.fetchImpl(`${this.base}api/events`, {
            headers: { Authorization: `Bearer ${this.token}` },
            signal: controller.signal,
          });
          if (!resp.ok || !resp.body) throw new Error(`events: ${resp.status}`);
          onConnection?.(true);
          delay = 500;
          for await (const event of readEvents(resp.body)) {
            if (event.name === 'engine') onEvent(JSON.parse(event.data) as EngineEvent);
          }
        } catch {
          if (controller.signal.aborted) return;
        }
        onConnection?.(false);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 10_000);
      }
    };
    void run();
    return () => controller.abort();
  }
}

/** Server-sent events from a byte stream: `event:` and `data:` lines, blank-line separated. */
export async function* readEvents(stream: ReadableStream<Uint8Array>): AsyncGenerator<{ name: string; data: string }> {
  const reader = stream.pipeThrough(new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n/g, '\n');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') name = text;
        else if (field === 'data') data.push(text);
      }
      if (data.length) yield { name, data: data.join('\n') };
    }
  }
}

type Kind = Response['type'];
type DataOf<K extends Kind> = Extract<Response, { type: K }> extends { data: infer D } ? D : undefined;
/** The data of the answer a request gets, by its method (from the engine's own pairing). */
type AnswerOf<M extends Request['method']> = DataOf<(typeof ANSWERS)[M]>;

/** Typed calls: each returns the data of the answer its request gets. */
export function createApi(transport: Transport) {
  async function ask<R extends Request>(request: R): Promise<AnswerOf<R['method']>> {
    const kind = ANSWERS[request.method];
    const response = await transport.call(request);
    if (response.type !== kind) throw new LullError('internal', `expected a ${kind} answer, got ${response.type}`);
    return (response as { data?: unknown }).data as AnswerOf<R['method']>;
  }
  type Params<M extends Request['method']> = Extract<Request, { method: M }> extends { params: infer P } ? P : never;
  return {
    transport,
    status: () => ask({ method: 'status' }),
    schedule: () => ask({ method: 'schedule_show' }),
    setSchedule: (params: Params<'schedule_set'>) => ask({ method: 'schedule_set', params }),
    clients: () => ask({ method: 'client_list' }),
    addClient: (params: Params<'client_add'>) => ask({ method: 'client_add', params }),
    editClient: (params: Params<'client_edit'>) => ask({ method: 'client_edit', params }),
    removeClient: (name: string) => ask({ method: 'client_remove', params: { name } }),
    channels: () => ask({ method: 'channel_list' }),
    channelKinds: () => ask({ method: 'channel_kinds' }),
    addChannel: (params: Params<'channel_add'>) => ask({ method: 'channel_add', params }),
    editChannel: (params: Params<'channel_edit'>) => ask({ method: 'channel_edit', params }),
    testChannel: (name: string) => ask({ method: 'channel_test', params: { name } }),
    pushTargets: () => ask({ method: 'push_list' }),
    addPush: (params: Params<'push_add'>) => ask({ method: 'push_add', params }),
    testPush: (name: string) => ask({ method: 'push_test', params: { name } }),
    removePush: (name: string) => ask({ method: 'push_remove', params: { name } }),
    explain: (params: Params<'explain'>) => ask({ method: 'explain', params }),
    focusStart: (minutes: number) => ask({ method: 'focus_start', params: { minutes } }),
    focusStop: () => ask({ method: 'focus_stop' }),
    inbox: (params: Params<'inbox'>) => ask({ method: 'inbox', params }),
    digests: (limit = 100) => ask({ method: 'digest_list', params: { limit } }),
    digest: (id: number) => ask({ method: 'digest_show', params: { id } }),
    digestNow: () => ask({ method: 'digest_now' }),
    stats: (week: string | null = null) => ask({ method: 'stats_week', params: { week } }),
    recordOpen: (source: string) => ask({ method: 'record_open', params: { source } }),
    markRead: (ids: number[], read: boolean) => ask({ method: 'mark_read', params: { ids, read } }),
    archive: (ids: number[], archived: boolean) => ask({ method: 'archive', params: { ids, archived } }),
    snooze: (ids: number[], until: string | null = null) => ask({ method: 'snooze', params: until ? { ids, until } : { ids } }),
    reply: (id: number, text: string) => ask({ method: 'reply', params: { id, text } }),
    info: () => ask({ method: 'info' }),
    exportConfig: () => ask({ method: 'config_export' }),
    importConfig: (params: Params<'config_import'>) => ask({ method: 'config_import', params }),
    demo: () => ask({ method: 'demo' }),
    removeDemo: () => ask({ method: 'demo_remove' }),
    replies: () => ask({ method: 'replies_show' }),
    clientCharter: (params: Params<'client_charter'>) => ask({ method: 'client_charter', params }),
    setReplies: (params: Params<'replies_set'>) => ask({ method: 'replies_set', params }),
    platforms: () => ask({ method: 'platforms_show' }),
    setPlatform: (params: Params<'platform_set'>) => ask({ method: 'platform_set', params }),
  };
}

export type Api = ReturnType<typeof createApi>;
