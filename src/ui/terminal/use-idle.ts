/**
 * Back to a screen's resting state after a while: `onIdle` runs `ms` after `key` last changed,
 * unless `active` is false (already resting). The customer display's thank-you and the kiosk's
 * member view use it, so a customer's balance does not stay up for the next person to read.
 */
import { useEffect, useRef } from 'react';

export function useIdleAfter(ms: number, active: boolean, key: unknown, onIdle: () => void): void {
  const onIdleRef = useRef(onIdle);
  onIdleRef.current = onIdle;
  useEffect(() => {
    if (!active) return;
    const timer = setTimeout(() => onIdleRef.current(), ms);
    return () => clearTimeout(timer);
  }, [ms, active, key]);
}
