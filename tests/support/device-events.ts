/** What a device reported, collected for assertions, and waiting on events instead of guessed times. */
import type { DeviceError, DeviceEvents, DeviceStatus } from '../../src/terminal/devices/device.js';
import type { Events } from '../../src/terminal/devices/events.js';
import type { ScanEvent } from '../../src/terminal/devices/scan-event.js';

export interface Recorded {
  readonly scans: ScanEvent[];
  readonly errors: DeviceError[];
  readonly statuses: DeviceStatus[];
}

export function record(device: { readonly events: Events<DeviceEvents> }): Recorded {
  const recorded: Recorded = { scans: [], errors: [], statuses: [] };
  device.events.on('data', (scan) => recorded.scans.push(scan));
  device.events.on('error', (error) => recorded.errors.push(error));
  device.events.on('status', (status) => recorded.statuses.push(status));
  return recorded;
}

/** Polls until `check` gives a value: waits for events, not for a guessed time. */
export async function waitFor<T>(what: string, check: () => T | undefined | null | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
