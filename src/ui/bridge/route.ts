/**
 * The page's address fragment: which screen (`#/cashier`, the default, `#/customer`, `#/kiosk`,
 * `#/manager`, `#/setup`) and, from the browser host's printed address, the secret
 * (`#secret=…`, or after the screen: `#/customer&secret=…`).
 */
export const SCREENS = ['cashier', 'customer', 'kiosk', 'manager', 'setup'] as const;
export type Screen = (typeof SCREENS)[number];

export interface Route {
  readonly screen: Screen;
}

function isScreen(name: string): name is Screen {
  return (SCREENS as readonly string[]).includes(name);
}

export function parseHash(hash: string): { readonly screen: Screen; readonly secret: string | null } {
  let screen: Screen = 'cashier';
  let secret: string | null = null;
  for (const part of hash.replace(/^#/, '').split('&')) {
    if (part.startsWith('/')) {
      const name = part.slice(1);
      if (isScreen(name)) screen = name;
    } else if (part.startsWith('secret=')) {
      try {
        secret = decodeURIComponent(part.slice('secret='.length));
      } catch {
        secret = null;
      }
    }
  }
  return { screen, secret };
}
