/** What a manager-login refusal means for the person at the screen: tries left, locked, or another problem. */
import type { ContractError } from '../../bridge/contract-error.js';

export type Refusal = { readonly kind: 'wrong-pin'; readonly left: number } | { readonly kind: 'locked'; readonly managerId: string } | { readonly kind: 'host'; readonly error: ContractError };

export function loginRefusal(error: ContractError, managerId: string): Refusal {
  if (error.code === 'proof-refused') {
    const { locked, triesLeft } = error.details;
    if (locked === true) return { kind: 'locked', managerId };
    if (typeof triesLeft === 'number') return { kind: 'wrong-pin', left: triesLeft };
  }
  return { kind: 'host', error };
}
