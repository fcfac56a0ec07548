/**
 * A reply the contract types loosely, checked against its schema (src/contract/manager-admin.ts)
 * before a screen reads a field: a reply of another shape is the bridge's `bad-reply`, shown through
 * the translated error map like any refusal.
 */
import type { z } from 'zod';
import { ContractError } from '../../bridge/contract-error.js';

export function checkedReply<S extends z.ZodType>(schema: S, value: unknown, method: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ContractError('bad-reply', `${method}'s reply does not match the contract`);
  return parsed.data;
}
