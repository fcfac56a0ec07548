/**
 * The Electron smoke run (TALLY_SMOKE=1; the installers workflow runs it on Linux and Windows
 * runners): proves the whole chain in the real app. Once the cashier window has loaded, it checks
 * that the preload exposed `window.tally`, then types a demo card into the page as a
 * keyboard-wedge scanner would (fast key events, then Enter), until the screen's `member-lookup`
 * comes back from the host with a result: renderer → preload → main → utility process → SQLite
 * and back. Then the app exits 0; after the deadline it exits 1 saying what was reached.
 */
import type { Timers, WindowApi } from './electron-api.js';
import type { RelayedReply } from './relay.js';

export const SMOKE_ENV = 'TALLY_SMOKE';
export const SMOKE_CARD_ENV = 'TALLY_SMOKE_CARD';
/** The card the README's demo session enrols. */
export const DEFAULT_SMOKE_CARD = '2900000000018';

export interface SmokeOptions {
  readonly card: string;
  readonly timers: Timers;
  readonly log: (line: string) => void;
  /** Ends the app with this exit code (main closes the host first). */
  readonly finish: (code: number) => void;
  readonly deadlineMs?: number;
  readonly retypeMs?: number;
}

export class SmokeRun {
  private done = false;
  private bridged = false;
  private typed = 0;
  private readonly deadline: unknown;
  private retype: unknown = null;

  constructor(private readonly options: SmokeOptions) {
    const deadlineMs = options.deadlineMs ?? 60_000;
    this.deadline = options.timers.setTimeout(() => {
      const reached = !this.bridged ? 'window.tally was never seen' : `the card was typed ${this.typed} times but no member-lookup came back with a result`;
      this.end(1, `smoke: FAILED after ${deadlineMs} ms: ${reached}`);
    }, deadlineMs);
  }

  /** Watches the cashier window: once loaded, checks the bridge and starts typing. */
  attach(window: WindowApi): void {
    window.contents.onDidFinishLoad(() => {
      void this.check(window);
    });
  }

  private async check(window: WindowApi): Promise<void> {
    let exposed: unknown;
    try {
      exposed = await window.contents.executeJavaScript("typeof window.tally === 'object' && typeof window.tally.post === 'function' && typeof window.tally.onMessage === 'function'");
    } catch (error) {
      this.end(1, `smoke: FAILED: could not inspect the page (${error instanceof Error ? error.message : String(error)})`);
      return;
    }
    if (exposed !== true) {
      this.end(1, 'smoke: FAILED: the preload did not expose window.tally');
      return;
    }
    this.bridged = true;
    this.options.log('smoke: window.tally is exposed; typing the card');
    this.type(window);
  }

  private type(window: WindowApi): void {
    if (this.done || window.isDestroyed()) return;
    this.typed += 1;
    const contents = window.contents;
    for (const ch of this.options.card) {
      contents.sendInputEvent({ type: 'keyDown', keyCode: ch });
      contents.sendInputEvent({ type: 'char', keyCode: ch });
      contents.sendInputEvent({ type: 'keyUp', keyCode: ch });
    }
    contents.sendInputEvent({ type: 'keyDown', keyCode: 'Enter' });
    contents.sendInputEvent({ type: 'char', keyCode: 'Enter' });
    contents.sendInputEvent({ type: 'keyUp', keyCode: 'Enter' });
    // The screen may still be mounting when the first burst arrives: type again until it answers.
    this.retype = this.options.timers.setTimeout(() => this.type(window), this.options.retypeMs ?? 3000);
  }

  /** Every reply main relays (Relay.observe). */
  observed(reply: RelayedReply): void {
    if (reply.method === 'member-lookup' && reply.ok) this.end(0, `smoke: OK: member-lookup answered through the cashier window (card typed ${this.typed} time(s))`);
  }

  /** The host could not start, or the app is closing for another reason. */
  fail(reason: string): void {
    this.end(1, `smoke: FAILED: ${reason}`);
  }

  private end(code: number, line: string): void {
    if (this.done) return;
    this.done = true;
    this.options.timers.clearTimeout(this.deadline);
    if (this.retype !== null) this.options.timers.clearTimeout(this.retype);
    this.options.log(line);
    this.options.finish(code);
  }
}
