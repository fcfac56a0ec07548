/**
 * Names the windows, the preload and the relay agree on. The preload (electron/preload/index.cts)
 * repeats the two channel names, because a sandboxed preload is one file that can import nothing
 * of ours; electron-preload.test.ts checks that the two copies agree.
 */

/** The app's own scheme: the screens are served from the app's files, never from a web address. */
export const APP_SCHEME = 'app';
export const APP_ORIGIN = 'app://tally';
/** The screens' page; the screen is chosen by the hash (`#/cashier`, `#/customer`, …). */
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/** Renderer → main: one contract message (a string). */
export const POST_CHANNEL = 'tally:post';
/** Main → renderer: one contract message (a string): a reply or a push. */
export const MESSAGE_CHANNEL = 'tally:message';

/** True for a URL of the app's own pages (same scheme and host), whatever its path and hash. */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === 'tally' && parsed.username === '' && parsed.password === '';
  } catch {
    return false;
  }
}
