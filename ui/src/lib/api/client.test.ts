import { describe, expect, it } from 'vitest';
import { HttpTransport, LullError, createApi, readEvents } from './client';
import { tokenFromLocation } from './session';

function fakeFetch(status: number, body: unknown, seen: Request[] = []) {
  return (async (url: string | URL | Request, init?: RequestInit) => {
    seen.push(new Request(url, init));
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
}

describe('HTTP transport', () => {
  it('sends the typed request with the token and returns the typed answer', async () => {
    const seen: Request[] = [];
    const api = createApi(new HttpTransport('http://127.0.0.1:7707/', 'lull_api_x', fakeFetch(200, { type: 'focus', data: { in_focus: true, source: 'session', until: '2026-11-24T11:00:00Z', block: null } }, seen)));
    const focus = await api.focusStart(25);
    expect(focus.in_focus).toBe(true);
    expect(seen[0]!.url).toBe('http://127.0.0.1:7707/api');
    expect(seen[0]!.headers.get('authorization')).toBe('Bearer lull_api_x');
    expect(await seen[0]!.json()).toEqual({ method: 'focus_start', params: { minutes: 25 } });
  });

  it('turns engine errors into LullErrors with their code and sentence', async () => {
    const api = createApi(new HttpTransport('http://127.0.0.1:7707/', 't', fakeFetch(404, { error: { code: 'not_found', message: 'no client named "X"' } })));
    await expect(api.removeClient('X')).rejects.toEqual(new LullError('not_found', 'no client named "X"', 404));
  });

  it('refuses an answer of the wrong kind', async () => {
    const api = createApi(new HttpTransport('http://127.0.0.1:7707/', 't', fakeFetch(200, { type: 'ok' })));
    await expect(api.status()).rejects.toThrow('expected a status answer');
  });
});

describe('server-sent events', () => {
  it('reads events split across chunks, skipping comments', async () => {
    const chunks = [': keep-alive\n\nevent: engine\nda', 'ta: {"type":"schedule_changed"}\n\n', 'event: engine\ndata: {"type":"clients_changed"}\n\n'];
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (const chunk of chunks) c.enqueue(new TextEncoder().encode(chunk));
        c.close();
      },
    });
    const got = [];
    for await (const e of readEvents(stream)) got.push(e);
    expect(got).toEqual([
      { name: 'engine', data: '{"type":"schedule_changed"}' },
      { name: 'engine', data: '{"type":"clients_changed"}' },
    ]);
  });
});

describe('session', () => {
  it('takes the token from the link, keeps it, and clears it from the address', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) } as Storage;
    let replaced = '';
    const history = { replaceState: (_: unknown, __: string, url: string) => (replaced = url) } as unknown as History;
    const loc = { hash: '#token=lull_api_abc123', pathname: '/', search: '' } as Location;
    expect(tokenFromLocation(loc, storage, history)).toBe('lull_api_abc123');
    expect(replaced).toBe('/');
    expect(tokenFromLocation({ ...loc, hash: '' } as Location, storage, history)).toBe('lull_api_abc123');
  });
});
