/** The host as React state: the connection, the terminal's description, the sync state it pushes. */
import { useEffect, useState } from 'react';
import type { SyncState } from '../../contract/messages.js';
import { terminalInfoSchema, type TerminalInfo } from '../../contract/terminal-info.js';
import type { ConnectionState, HostApi } from '../bridge/bridge.js';
import { ContractError } from '../bridge/contract-error.js';

export function useConnectionState(api: HostApi): ConnectionState {
  const [state, setState] = useState(api.state);
  useEffect(() => {
    setState(api.state);
    return api.onState(setState);
  }, [api]);
  return state;
}

export type InfoState = { readonly kind: 'loading' } | { readonly kind: 'ready'; readonly info: TerminalInfo } | { readonly kind: 'failed'; readonly error: ContractError };

/**
 * Asked again on every (re)connection (the host may have restarted with another program version)
 * and when the host says a first start's setup is done (`host-ready`).
 */
export function useTerminalInfo(api: HostApi, connection: ConnectionState): InfoState {
  const [state, setState] = useState<InfoState>({ kind: 'loading' });
  const [ready, setReady] = useState(0);
  useEffect(() => api.onPush('host-ready', () => setReady((n) => n + 1)), [api]);
  useEffect(() => {
    if (connection !== 'open') return;
    let current = true;
    api.send('terminal-info', {}).then(
      (result) => {
        if (!current) return;
        const parsed = terminalInfoSchema.safeParse(result);
        setState(parsed.success ? { kind: 'ready', info: parsed.data } : { kind: 'failed', error: new ContractError('bad-reply', 'terminal-info does not match the contract') });
      },
      (error: unknown) => {
        if (current) setState({ kind: 'failed', error: error instanceof ContractError ? error : new ContractError('bad-reply', String(error)) });
      },
    );
    return () => {
      current = false;
    };
  }, [api, connection, ready]);
  return state;
}

/** Asked on every (re)connection, then kept up to date by the host's pushes after each sync run. */
export function useSyncState(api: HostApi, connection: ConnectionState): SyncState | null {
  const [state, setState] = useState<SyncState | null>(null);
  useEffect(() => api.onPush('sync-state', setState), [api]);
  useEffect(() => {
    if (connection !== 'open') return;
    let current = true;
    api.send('sync-state', {}).then(
      (now) => {
        if (current) setState(now);
      },
      // A host too old for the question: the pushes still come.
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [api, connection]);
  return state;
}
