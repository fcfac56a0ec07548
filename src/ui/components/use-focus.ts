/** Focus for keyboard-first screens: a step's main element takes focus when the step appears. */
import { useLayoutEffect, useRef, type RefObject } from 'react';

/**
 * Focuses the element once it is mounted (a heading with tabIndex -1, a button, a field), before
 * the browser paints: a step is never on screen without its focus, so a key pressed the moment it
 * appears (Enter on "enrol this card") goes where the step expects, not to the page.
 */
export function useFocusOnMount<T extends HTMLElement>(): RefObject<T | null> {
  const ref = useRef<T | null>(null);
  useLayoutEffect(() => {
    ref.current?.focus();
  }, []);
  return ref;
}
