// The desktop app's transport: the same typed requests, over Tauri IPC to the `api` command;
// live events from the engine arrive as `engine` events.
import { LullError, type Transport } from './client';
import type { ApiError, EngineEvent, Phrase, Request, Response } from './types';

export function inTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

/** Why the desktop window's engine did not start, and the way out it offers. */
export interface StartProblem {
  problem: Phrase;
  /** The address another program holds, when that is the problem. */
  taken: string | null;
  /** A free address to move Lull to. */
  free: string | null;
}

/** Why the engine did not start, or null when it runs. */
export async function startProblem(): Promise<StartProblem | null> {
  const { invoke } = await import('@tauri-apps/api/core');
  return (await invoke<StartProblem | null>('start_problem')) ?? null;
}

async function attempt(command: string, args: Record<string, unknown> = {}): Promise<StartProblem | null> {
  const { invoke } = await import('@tauri-apps/api/core');
  try {
    await invoke(command, args);
    return null;
  } catch (e) {
    return e as StartProblem;
  }
}

/** Tries to start the engine again; the problem if it still cannot. */
export const retryEngine = () => attempt('retry_engine');
/** Moves Lull to `addr` for good and starts it there; the problem if it cannot. */
export const moveEngine = (addr: string) => attempt('move_engine', { addr });

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
