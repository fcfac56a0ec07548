/**
 * What an action's notice says, kept as a way to say it rather than as text: the notice is
 * translated when it is drawn, so it follows a language switch (F2) made after it appeared.
 */
import type { TFunction } from 'i18next';

export interface Said {
  readonly say: (t: TFunction) => string;
}

export const said = (say: (t: TFunction) => string): Said => ({ say });
