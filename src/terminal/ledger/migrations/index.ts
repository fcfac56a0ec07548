import { migration0001 } from './0001-initial.js';
import { migration0002 } from './0002-period-key-index.js';
import { migration0003 } from './0003-printing.js';
import { migration0004 } from './0004-trust.js';
import { migration0005 } from './0005-print-leases.js';
import { migration0006 } from './0006-open-checks.js';
import { migration0007 } from './0007-sync-state.js';
import { migration0008 } from './0008-pull.js';
import { migration0009 } from './0009-offline-budget.js';
import { migration0010 } from './0010-lots-by-transfer.js';
import { migration0011 } from './0011-transfers-store-sequence.js';
import { migration0012 } from './0012-transfers-kept-elsewhere.js';
import { migration0013 } from './0013-held-spends.js';
import { migration0014 } from './0014-managers.js';
import { migration0015 } from './0015-scanners.js';
import type { Migration } from './types.js';

/** Every schema version in order; the last one is what this build writes. */
export const MIGRATIONS: readonly Migration[] = [migration0001, migration0002, migration0003, migration0004, migration0005, migration0006, migration0007, migration0008, migration0009, migration0010, migration0011, migration0012, migration0013, migration0014, migration0015];

export const LATEST_VERSION = MIGRATIONS.at(-1)?.version ?? 0;
