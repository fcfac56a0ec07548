/**
 * Zod without its `new Function` fast path. The screens run under `script-src 'self'` (no eval):
 * zod's probe for eval would be refused and reported as a CSP violation on every page load. Imported
 * first by every page entry, before any schema parses anything.
 */
import { config } from 'zod';

config({ jitless: true });
