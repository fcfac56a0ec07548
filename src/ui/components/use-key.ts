/**
 * Screen-wide keys (Esc, F2) that work wherever the focus is. A key the wedge detector held as part
 * of a scan is marked handled (defaultPrevented) and is not a shortcut.
 */
import { useEffect, useRef } from 'react';

export function useKey(key: string, action: () => void): void {
  const actionRef = useRef(action);
  actionRef.current = action;
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent): void => {
      if (event.key !== key || event.defaultPrevented || event.repeat || event.isComposing) return;
      event.preventDefault();
      actionRef.current();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [key]);
}
