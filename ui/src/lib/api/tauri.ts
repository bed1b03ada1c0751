// The desktop app's transport: the same typed requests, over Tauri IPC to the `api` command;
// live events from the engine arrive as `engine` events.
import { LullError, type Transport } from './client';
import type { ApiError, EngineEvent, Request, Response } from './types';

export function inTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

export class TauriTransport implements Transport {
  async call(request: Request): Promise<Response> {
    const { invoke } = await import('@tauri-apps/api/core');
    try {
      return await invoke<Response>('api', { request });
    } catch (e) {
      if (typeof e === 'string') throw new LullError('internal', e);
      throw LullError.of(e as Partial<ApiError>);
    }
  }

  subscribe(onEvent: (event: EngineEvent) => void, onConnection?: (connected: boolean) => void): () => void {
    let stop: (() => void) | null = null;
    let stopped = false;
    void import('@tauri-apps/api/event').then(async ({ listen }) => {
      const unlisten = await listen<EngineEvent>('engine', (e) => onEvent(e.payload));
      if (stopped) unlisten();
      else {
        stop = unlisten;
        onConnection?.(true);
      }
    });
    return () => {
      stopped = true;
      stop?.();
    };
  }

  async openLink(url: string): Promise<void> {
    const { invoke } = await import('@tauri-apps/api/core');
    await invoke('open_link', { url });
  }
}
