/**
 * The counter's devices as the host last reported them: asked once the screen is up (`device-states`,
 * for a screen opened after the last change), then kept by the `printer-state` and `scanner-state`
 * pushes; and every `scan` the host pushes (a serial or HID scanner, `tally scan`) handed to the screen.
 */
import { useEffect, useRef, useState } from 'react';
import type { PrinterState, ScannedCode, ScannerState } from '../../../contract/messages.js';
import { useTerminal } from '../terminal-context.js';

export interface Devices {
  readonly printers: readonly PrinterState[];
  readonly scanners: readonly ScannerState[];
}

function replace<T>(list: readonly T[], item: T, same: (a: T) => boolean): readonly T[] {
  return list.some(same) ? list.map((x) => (same(x) ? item : x)) : [...list, item];
}

export function useDevices(onScan: (scan: ScannedCode) => void): Devices {
  const { api } = useTerminal();
  const [devices, setDevices] = useState<Devices>({ printers: [], scanners: [] });
  const onScanRef = useRef(onScan);
  onScanRef.current = onScan;
  useEffect(() => {
    let current = true;
    const offPrinter = api.onPush('printer-state', (state) => setDevices((d) => ({ ...d, printers: replace(d.printers, state, (p) => p.printer === state.printer) })));
    const offScanner = api.onPush('scanner-state', (state) => setDevices((d) => ({ ...d, scanners: replace(d.scanners, state, (s) => s.device === state.device) })));
    const offScan = api.onPush('scan', (scan) => onScanRef.current(scan));
    api.send('device-states', {}).then(
      (now) => {
        if (current) setDevices({ printers: now.printers, scanners: now.scanners });
      },
      // Not answered (the host is away): the pushes bring the states once it is back.
      () => undefined,
    );
    return () => {
      current = false;
      offPrinter();
      offScanner();
      offScan();
    };
  }, [api]);
  return devices;
}
