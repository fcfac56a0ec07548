/**
 * A manager's session on this screen: the token manager-login gave, kept in React state only (never
 * in storage: a reload or another tab must log in again), sent in each request's envelope. A
 * `manager-required` refusal means the host no longer knows the token (idle, a new PIN, a restart):
 * the session is dropped and the screen says why, back at the login.
 */
import { useCallback, useState } from 'react';
import type { MethodArgsInput, MethodName } from '../../../contract/messages.js';
import type { MethodResult } from '../../../contract/results.js';
import { ContractError, isContractError } from '../../bridge/contract-error.js';
import { useTerminal } from '../terminal-context.js';

export interface ManagerSession {
  readonly token: string;
  readonly manager: { readonly id: string; readonly name: string };
}

/** Why the screen is back at the login, if it was logged in before. */
export type SessionEnd = 'ended' | 'logged-out' | null;

export type SessionCall = <M extends MethodName>(name: M, args: MethodArgsInput<M>) => Promise<MethodResult<M>>;

export function asContractError(error: unknown): ContractError {
  return isContractError(error) ? error : new ContractError('bad-reply', error instanceof Error ? error.message : String(error));
}

export function useManagerSession(): {
  readonly session: ManagerSession | null;
  readonly ended: SessionEnd;
  readonly begin: (session: ManagerSession) => void;
  readonly logout: () => Promise<void>;
  readonly call: SessionCall;
} {
  const { api } = useTerminal();
  const [session, setSession] = useState<ManagerSession | null>(null);
  const [ended, setEnded] = useState<SessionEnd>(null);

  const begin = useCallback((next: ManagerSession) => {
    setSession(next);
    setEnded(null);
  }, []);

  const call = useCallback<SessionCall>(
    async (name, args) => {
      try {
        return await api.send(name, args, session === null ? {} : { session: session.token });
      } catch (error) {
        const refusal = asContractError(error);
        if (refusal.code === 'manager-required') {
          setSession(null);
          setEnded('ended');
        }
        throw refusal;
      }
    },
    [api, session],
  );

  const logout = useCallback(async () => {
    const token = session?.token;
    setSession(null);
    setEnded('logged-out');
    // The token is forgotten here whatever the host answers; telling the host only shortens its life there.
    if (token !== undefined) await api.send('manager-logout', {}, { session: token }).catch(() => undefined);
  }, [api, session]);

  return { session, ended, begin, logout, call };
}
