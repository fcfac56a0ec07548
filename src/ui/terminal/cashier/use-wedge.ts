/**
 * Keyboard-wedge scans anywhere on the page, through the detector in src/core/wedge.
 *
 * Unlike the detector's default for fields, a field here is no refuge: the cashier screen keeps
 * the amount field focused after a scan, and the next customer's card scanned then must become a
 * scan, not digits in the amount. So every printable key is fed as not editable: the detector holds
 * it (the key's default action is stopped) until it knows. A burst at scanner speed becomes a scan;
 * anything else is a person's typing and is put back where it was typed, in order (into the field
 * it was typed in, or a Space on a button or checkbox is clicked), at most the detector's silence
 * (50 ms) later. The forms read their fields when they are submitted, not from React state, so a
 * person's keys given back just before an Enter are in the form when it submits.
 *
 * Keys an input method composes (Hangul through an IME) are never held: a scanner does not compose.
 */
import { useEffect, useRef } from 'react';
import { WedgeDetector, type WedgeKey, type WedgeOptions, type WedgeOutput } from '../../../core/wedge/detector.js';

/** Cashier defaults: the shortest member card code is far longer than 6; shorter bursts are a person's. */
export const CASHIER_WEDGE_OPTIONS: Partial<WedgeOptions> = { minLength: 6 };

const TEXT_INPUT_TYPES: ReadonlySet<string> = new Set(['text', 'search', 'tel', 'url', 'email', 'password', '']);

function textField(target: EventTarget | null): HTMLInputElement | HTMLTextAreaElement | null {
  if (target instanceof HTMLTextAreaElement) return target;
  if (target instanceof HTMLInputElement && TEXT_INPUT_TYPES.has(target.type)) return target;
  return null;
}

/** Gives a person's key back: its character into the field it was typed in, or a Space's click. */
function giveBack(key: WedgeKey, target: EventTarget | null): void {
  if (key.key.length !== 1) return;
  const field = textField(target);
  if (field !== null) {
    if (field.disabled || field.readOnly || !field.isConnected) return;
    const start = field.selectionStart ?? field.value.length;
    const end = field.selectionEnd ?? start;
    field.setRangeText(key.key, start, end, 'end');
    // React (and anything else listening) learns of the change as if typed.
    field.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText', data: key.key }));
    return;
  }
  if (key.key === ' ' && target instanceof HTMLElement && target.isConnected && (target instanceof HTMLButtonElement || (target instanceof HTMLInputElement && (target.type === 'checkbox' || target.type === 'radio')))) {
    target.click();
  }
}

export function useWedge(onScan: (code: string) => void, options: Partial<WedgeOptions> = CASHIER_WEDGE_OPTIONS): void {
  const onScanRef = useRef(onScan);
  onScanRef.current = onScan;
  const optionsRef = useRef(options);

  useEffect(() => {
    const detector = new WedgeDetector(optionsRef.current);
    /** Where each held key was typed, oldest first: every held key comes back exactly once, in order. */
    const targets: (EventTarget | null)[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    // A burst that falls silent without Enter ends after the detector's silence (checked again if the timer fired early).
    const wake = (): void => {
      clearTimeout(timer);
      if (!detector.holding) return;
      timer = setTimeout(() => {
        settle(detector.tick(performance.now()));
        wake();
      }, 60);
    };

    const settle = (outputs: readonly WedgeOutput[]): void => {
      for (const output of outputs) {
        if (output.type === 'scan') {
          targets.splice(0, output.keys);
          onScanRef.current(output.text);
        } else {
          const typedAt = targets.splice(0, output.keys.length);
          output.keys.forEach((key, i) => giveBack(key, typedAt[i] ?? null));
        }
      }
    };

    const onKeyDown = (event: KeyboardEvent): void => {
      if (event.isComposing || event.key === 'Process') return;
      const decision = detector.push({
        key: event.key,
        code: event.code,
        shiftKey: event.shiftKey,
        ctrlKey: event.ctrlKey,
        altKey: event.altKey,
        altGraph: event.getModifierState('AltGraph'),
        repeat: event.repeat,
        time: event.timeStamp,
        editable: false,
      });
      if (decision.hold) {
        event.preventDefault();
        targets.push(event.target);
      }
      settle(decision.outputs);
      wake();
    };

    window.addEventListener('keydown', onKeyDown, true);
    return () => {
      window.removeEventListener('keydown', onKeyDown, true);
      clearTimeout(timer);
      // Whatever a person had typed goes back before the screen goes.
      settle(detector.tick(Number.POSITIVE_INFINITY));
    };
  }, []);
}
