/**
 * A manager's session at the host: after `manager-login` (id + PIN), the screen sends the session
 * token in each request's envelope instead of the PIN, so the PIN is typed once and never kept by
 * the page. Sessions live in the host's memory only (a restart logs every manager out), end after
 * IDLE_MS without use, and a manager's sessions end when their PIN changes or they are retired.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Instant } from '../../core/time.js';

/** A manager who walks away from the counter is logged out after this long without a request. */
export const MANAGER_IDLE_MS = 5 * 60_000;

interface Session {
  readonly token: Buffer;
  readonly managerId: string;
  lastUsedAt: Instant;
}

export class ManagerSessions {
  private readonly sessions: Session[] = [];

  constructor(
    private readonly clock: () => Instant = Date.now,
    private readonly idleMs = MANAGER_IDLE_MS,
  ) {}

  open(managerId: string): { readonly token: string; readonly expiresAt: Instant } {
    this.prune();
    const token = randomBytes(32);
    const now = this.clock();
    this.sessions.push({ token, managerId, lastUsedAt: now });
    return { token: token.toString('base64url'), expiresAt: now + this.idleMs };
  }

  /** The manager a token names (and it counts as use), or null: unknown, expired or malformed. */
  use(token: string): { readonly managerId: string; readonly expiresAt: Instant } | null {
    const session = this.find(token);
    if (session === null) return null;
    session.lastUsedAt = this.clock();
    return { managerId: session.managerId, expiresAt: session.lastUsedAt + this.idleMs };
  }

  close(token: string): void {
    const session = this.find(token);
    if (session !== null) this.sessions.splice(this.sessions.indexOf(session), 1);
  }

  closeFor(managerId: string): void {
    for (let i = this.sessions.length - 1; i >= 0; i--) if (this.sessions[i]!.managerId === managerId) this.sessions.splice(i, 1);
  }

  private find(token: string): Session | null {
    this.prune();
    const wanted = Buffer.from(token, 'base64url');
    if (wanted.length !== 32) return null;
    // Constant time per comparison: a page guessing tokens learns nothing from how long a refusal takes.
    return this.sessions.find((s) => timingSafeEqual(s.token, wanted)) ?? null;
  }

  private prune(): void {
    const now = this.clock();
    for (let i = this.sessions.length - 1; i >= 0; i--) if (now - this.sessions[i]!.lastUsedAt >= this.idleMs) this.sessions.splice(i, 1);
  }
}
