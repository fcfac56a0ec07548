/**
 * Who is at the other end of a connection, decided by the carrier when it lets the connection in
 * (the secret it presented; the window it comes from in Electron), never by the page:
 *  - `counter`: the cashier, manager and customer display screens; every method, every push;
 *  - `kiosk`: the self-service screen; only KIOSK_METHODS (anything else: `not-allowed`, and no
 *    manager session), and only KIOSK_PUSHES (never a scan, a customer's view or a device state).
 */
import type { MethodName, PushedEvent } from './messages.js';

export const CONNECTION_ROLES = ['counter', 'kiosk'] as const;
export type ConnectionRole = (typeof CONNECTION_ROLES)[number];

export const KIOSK_METHODS: ReadonlySet<MethodName> = new Set<MethodName>(['kiosk-member', 'terminal-info']);

export const KIOSK_PUSHES: ReadonlySet<PushedEvent['name']> = new Set<PushedEvent['name']>(['host-closing', 'host-ready']);

/** Whether a connection of `role` may call the method named `name` (any text: it may be no method at all). */
export function roleMayCall(role: ConnectionRole, name: string): boolean {
  return role === 'counter' || (KIOSK_METHODS as ReadonlySet<string>).has(name);
}

/** Whether a connection of `role` is sent the push named `name`. */
export function roleMayHear(role: ConnectionRole, name: string): boolean {
  return role === 'counter' || (KIOSK_PUSHES as ReadonlySet<string>).has(name);
}
