import { describe, expect, it } from 'vitest';
import { ContractError } from '../../bridge/contract-error.js';
import { loginRefusal } from './login-refusal.js';

describe("a manager login's refusal", () => {
  it('says how many tries are left, or that the manager is locked, from the host’s details', () => {
    expect(loginRefusal(new ContractError('proof-refused', 'Wrong manager PIN — 4 tries left', { locked: false, triesLeft: 4 }), 'M1')).toEqual({ kind: 'wrong-pin', left: 4 });
    expect(loginRefusal(new ContractError('proof-refused', 'locked', { locked: true, triesLeft: 0 }), 'M1')).toEqual({ kind: 'locked', managerId: 'M1' });
  });

  it('leaves an unknown id and every other refusal to the translated error map', () => {
    const unknown = new ContractError('proof-refused', 'There is no manager M9 at this terminal');
    expect(loginRefusal(unknown, 'M9')).toEqual({ kind: 'host', error: unknown });
    const gone = new ContractError('unreachable', 'lost');
    expect(loginRefusal(gone, 'M1')).toEqual({ kind: 'host', error: gone });
  });
});
