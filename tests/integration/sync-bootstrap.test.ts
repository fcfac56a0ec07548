/** The bootstrap end to end on the embedded SQLite store (see sync-bootstrap.suite.ts). */
import { syncBootstrapSuite } from './sync-bootstrap.suite.js';

syncBootstrapSuite('SQLite', async () => undefined);
