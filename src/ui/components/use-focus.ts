/** Focus for keyboard-first screens: a step's main element takes focus when the step appears. */
import { useEffect, useRef, type RefObject } from 'react';

/** Focuses the element once it is mounted (a heading with tabIndex -1, a button, a field). */
export function useFocusOnMount<T extends HTMLElement>(): RefObject<T | null> {
  const ref = useRef<T | null>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return ref;
}
