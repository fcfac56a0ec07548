/**
 * Periodic bookings in the host: what `tally periodic` books (points expiry, monthly membership
 * credits, yearly rewards and rebates, birthday rewards, tier reviews, membership lapses), run when
 * the host starts, then every hour and just after each local midnight of the store's time zone (when
 * expiry and birthdays fall due). A run goes batch by batch, each batch one turn of the handler map's
 * queue: it never interleaves with a request, and a checkout waits at most one batch for it. Each
 * entry has its business key, so a run that meets one booked elsewhere (a CLI `tally periodic`, the
 * counter when the member was seen) books nothing twice.
 */
import { isTallyError } from '../../../core/errors.js';
import { addDays, isoInstant, localDateOf, startOfLocalDay, type Instant } from '../../../core/time.js';
import { environmentError } from '../../ledger/environment-errors.js';
import type { LoyaltyService, PeriodicResult } from '../../loyalty-service.js';
import type { HandlerMap } from '../handlers.js';
import type { Service } from './service.js';

export interface PeriodicOptions {
  /** Between runs (default 1 h). */
  readonly everyMs?: number;
  /** How long after local midnight the day's run starts (default 5 s). */
  readonly afterMidnightMs?: number;
  /** Members per batch (default 500). */
  readonly batchSize?: number;
  /** Timers (tests drive them, with the host's booking clock); default the real ones. */
  readonly setTimer?: (fn: () => void, ms: number) => unknown;
  readonly clearTimer?: (handle: unknown) => void;
  /** Told after each run: what it booked, and when the next one is due. */
  readonly onRun?: (outcome: PeriodicRun) => void;
}

export type PeriodicRun = (PeriodicResult & { readonly ok: true; readonly at: Instant; readonly nextAt: Instant }) | { readonly ok: false; readonly error: string; readonly nextAt: Instant };

export const PERIODIC_EVERY_MS = 60 * 60 * 1000;
const AFTER_MIDNIGHT_MS = 5_000;

/** When the next run is due after `now`: an hour on, or just after the next local midnight if that comes first. */
export function nextPeriodicRun(now: Instant, timeZone: string, everyMs = PERIODIC_EVERY_MS, afterMidnightMs = AFTER_MIDNIGHT_MS): Instant {
  const today = localDateOf(now, timeZone);
  let afterMidnight = startOfLocalDay(today, timeZone) + afterMidnightMs;
  if (afterMidnight <= now) afterMidnight = startOfLocalDay(addDays(today, 1), timeZone) + afterMidnightMs;
  return Math.min(now + everyMs, afterMidnight);
}

export interface PeriodicDeps {
  readonly service: LoyaltyService;
  readonly handlers: HandlerMap;
  /** The booking clock (the host's; `--now` and tests set it). */
  readonly clock: () => Instant;
  readonly log: (line: string) => void;
  /** Called after a run that booked something (the host nudges its background sync). */
  readonly onBooked: () => void;
}

export function periodicService(deps: PeriodicDeps, options: PeriodicOptions = {}): Service {
  const everyMs = options.everyMs ?? PERIODIC_EVERY_MS;
  const afterMidnightMs = options.afterMidnightMs ?? AFTER_MIDNIGHT_MS;
  const batchSize = options.batchSize ?? 500;
  const setTimer = options.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms).unref());
  const clearTimer = options.clearTimer ?? ((handle: unknown) => clearTimeout(handle as NodeJS.Timeout));
  const timeZone = deps.service.ledger.terminal.timeZone;

  return () => {
    let stopped = false;
    let timer: unknown = null;
    let running: Promise<void> | null = null;

    const runOnce = async (): Promise<PeriodicResult & { readonly at: Instant }> => {
      // One time for the whole run, checked once (a wrong clock books nothing), as `tally periodic` does.
      const at = await deps.handlers.exclusive(() => deps.service.periodicTime());
      let after: string | null = null;
      let members = 0;
      let transfers = 0;
      let events = 0;
      while (!stopped) {
        const from: string | null = after;
        const batch: PeriodicResult & { readonly last: string | null } = await deps.handlers.exclusive(() => deps.service.periodicBatch(at, from, batchSize));
        if (batch.members === 0) break;
        members += batch.members;
        transfers += batch.transfers;
        events += batch.events;
        after = batch.last;
      }
      return { members, transfers, events, at };
    };

    const run = (): void => {
      timer = null;
      if (stopped) return;
      running = runOnce()
        .then((result) => {
          if (result.transfers > 0 || result.events > 0) deps.onBooked();
          if (result.transfers > 0) deps.log(`tally host: periodic bookings at ${isoInstant(result.at)}: ${result.transfers} transfers and ${result.events} events for ${result.members} members`);
          options.onRun?.({ ok: true, ...result, nextAt: schedule() });
        })
        .catch((error: unknown) => {
          if (stopped) return;
          const refusal = isTallyError(error) ? error : environmentError(error, deps.service.ledger.path);
          const message = refusal ? refusal.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
          deps.log(refusal ? `tally host: periodic bookings not run: ${message}` : `tally host: periodic bookings failed (please report it): ${message}`);
          options.onRun?.({ ok: false, error: refusal ? refusal.message : 'unexpected error (logged)', nextAt: schedule() });
        })
        .finally(() => {
          running = null;
        });
    };

    const schedule = (): Instant => {
      const now = deps.clock();
      const next = nextPeriodicRun(now, timeZone, everyMs, afterMidnightMs);
      if (!stopped) timer = setTimer(run, Math.max(0, next - now));
      return next;
    };

    run();
    return async () => {
      stopped = true;
      if (timer !== null) clearTimer(timer);
      timer = null;
      await running;
    };
  };
}
