/**
 * One sync of an enrolled terminal, on demand (`tally sync`) and later in the host's background:
 * check the server answers this terminal's credential, then push the outbox. The outcome is
 * recorded in the ledger's sync state for the screens; a failure loses nothing.
 */
import { z } from 'zod';
import type { OfflineGrantBody } from '../../contract/spending.js';
import { TallyError } from '../../core/errors.js';
import type { Ledger } from '../ledger/ledger.js';
import type { SecretStore } from '../trust/secret-store.js';
import { SyncClient } from './client.js';
import { SYNC_CREDENTIAL } from './enrol.js';
import { pullChanges, type PullProgress, type PullReport } from './pull.js';
import { pushOutbox, type PushProgress, type PushReport } from './push.js';

export interface SyncSettings {
  readonly serverUrl: string;
  readonly credential: string;
}

const credentialFileSchema = z.strictObject({ credential: z.string().regex(/^tly_[A-Za-z0-9_-]{43}$/) });

/** Where and how this terminal syncs, or a clear refusal when it was never enrolled. */
export function syncSettings(ledger: Ledger, secrets: SecretStore): SyncSettings {
  const row = ledger.db.prepare('SELECT server_url FROM sync_state WHERE singleton = 1').get() as { server_url: string } | undefined;
  if (!row) throw new TallyError('not-initialised', 'This terminal is not enrolled with a server: enrol it with tally enrol --server URL --code CODE (a demo terminal works on its own)');
  const text = secrets.read(SYNC_CREDENTIAL);
  if (text === null) throw new TallyError('not-initialised', `This terminal's server credential is not in ${secrets.location} (a restored copy?): enrol it again with a new code`);
  const parsed = credentialFileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new TallyError('database-corrupt', `The server credential in ${secrets.location} is damaged: enrol the terminal again`);
  return { serverUrl: row.server_url, credential: parsed.data.credential };
}

export interface SyncOutcome {
  readonly serverTime: number;
  readonly push: PushReport;
  readonly pull: PullReport;
  readonly offlineBudget: OfflineGrantBody;
}

export async function syncNow(
  ledger: Ledger,
  secrets: SecretStore,
  options: {
    readonly now: () => number;
    readonly client?: SyncClient;
    readonly onProgress?: (progress: PushProgress) => void;
    readonly onPullProgress?: (progress: PullProgress) => void;
    readonly pullLimit?: number;
    /** False: an empty ledger pulls in pages too, not as one bootstrap stream. */
    readonly bootstrap?: boolean;
  },
): Promise<SyncOutcome> {
  const settings = syncSettings(ledger, secrets);
  const client = options.client ?? new SyncClient({ baseUrl: settings.serverUrl, credential: settings.credential });
  const record = (error: string | null): void => {
    ledger.transaction(() => ledger.db.prepare('UPDATE sync_state SET last_push_at = ?, last_error = ? WHERE singleton = 1').run(options.now(), error));
  };
  try {
    const serverTime = await client.health();
    const push = await pushOutbox(ledger, client, { now: options.now, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
    // Pushed first: what the server sends back then already counts this terminal's own entries.
    const pull = await pullChanges(ledger, client, {
      now: options.now,
      ...(options.onPullProgress ? { onProgress: options.onPullProgress } : {}),
      ...(options.pullLimit !== undefined ? { limit: options.pullLimit } : {}),
      ...(options.bootstrap !== undefined ? { bootstrap: options.bootstrap } : {}),
    });
    // Last: the budget for spending while the link is down next time (the current one, or a new one).
    const budget = await client.offlineBudget();
    const now = options.now();
    ledger.transaction(() => ledger.saveOfflineGrant(budget.grant, budget.serverTime - now, now));
    record(push.remaining === 0 ? null : `${push.remaining} entries still waiting`);
    return { serverTime, push, pull, offlineBudget: budget.grant };
  } catch (error) {
    record(error instanceof Error ? error.message.slice(0, 500) : String(error));
    throw error;
  }
}

