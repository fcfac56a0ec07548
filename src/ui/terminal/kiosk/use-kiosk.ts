/**
 * The kiosk's flow as state: waiting for a card → looking it up → the member (or why not) → back
 * to waiting after KIOSK_IDLE_MS, or at once with Esc / the Done button. The one request it makes is
 * `kiosk-member` (its connection may make no other: src/contract/roles.ts).
 */
import { useCallback, useRef, useState } from 'react';
import type { KioskMember } from '../../../contract/kiosk.js';
import { ContractError } from '../../bridge/contract-error.js';
import { useTerminal } from '../terminal-context.js';

/** How long a member's view (or a refusal) stays before the kiosk asks for the next card. */
export const KIOSK_IDLE_MS = 30_000;

export type KioskState =
  | { readonly kind: 'waiting' }
  | { readonly kind: 'looking' }
  | { readonly kind: 'member'; readonly member: KioskMember; readonly shownAt: number }
  | { readonly kind: 'refused'; readonly error: ContractError; readonly shownAt: number };

export interface Kiosk {
  readonly state: KioskState;
  scan(code: string): void;
  reset(): void;
}

const WAITING: KioskState = { kind: 'waiting' };

export function useKiosk(): Kiosk {
  const { api } = useTerminal();
  const [state, setState] = useState<KioskState>(WAITING);
  // The latest scan wins: an answer to an earlier one that comes late is dropped.
  const lastScan = useRef(0);
  const scan = useCallback(
    (code: string) => {
      const mine = ++lastScan.current;
      setState({ kind: 'looking' });
      api.send('kiosk-member', { card: code }).then(
        (member) => {
          if (mine === lastScan.current) setState({ kind: 'member', member, shownAt: Date.now() });
        },
        (error: unknown) => {
          if (mine !== lastScan.current) return;
          const refusal = error instanceof ContractError ? error : new ContractError('bad-reply', String(error));
          setState({ kind: 'refused', error: refusal, shownAt: Date.now() });
        },
      );
    },
    [api],
  );
  const reset = useCallback(() => {
    lastScan.current += 1;
    setState(WAITING);
  }, []);
  return { state, scan, reset };
}
