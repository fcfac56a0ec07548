/**
 * The scanners' and printers' states for the devices section: what `device-states` says when the
 * section opens, then every `printer-state` / `scanner-state` push, newest per device.
 */
import { useEffect, useState } from 'react';
import type { PrinterState, ScannerState } from '../../../contract/messages.js';
import { useTerminal } from '../terminal-context.js';
import type { SessionCall } from './use-manager-session.js';

export interface DeviceStateMaps {
  readonly printers: ReadonlyMap<string, PrinterState>;
  readonly scanners: ReadonlyMap<string, ScannerState>;
}

export function useDeviceStates(call: SessionCall): DeviceStateMaps {
  const { api } = useTerminal();
  const [printers, setPrinters] = useState<ReadonlyMap<string, PrinterState>>(new Map());
  const [scanners, setScanners] = useState<ReadonlyMap<string, ScannerState>>(new Map());
  useEffect(() => {
    const offPrinter = api.onPush('printer-state', (state) => setPrinters((now) => new Map(now).set(state.printer, state)));
    const offScanner = api.onPush('scanner-state', (state) => setScanners((now) => new Map(now).set(state.device, state)));
    return () => {
      offPrinter();
      offScanner();
    };
  }, [api]);
  useEffect(() => {
    let current = true;
    call('device-states', {}).then(
      (states) => {
        if (!current) return;
        // A push that came while the question was out is newer than the answer: it stays.
        setPrinters((now) => new Map([...states.printers.map((p) => [p.printer, p] as const), ...now]));
        setScanners((now) => new Map([...states.scanners.map((s) => [s.device, s] as const), ...now]));
      },
      // Without the answer the pushes still come; the lists say "not known yet" until then.
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [call]);
  return { printers, scanners };
}
