import { readFileSync } from 'node:fs';

/** Whether a process of this machine is running (EPERM: it is, as another user's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let boot: string | null | undefined;

/**
 * This boot of the machine (Linux boot_id), or null where the OS does not say. A pid recorded in an
 * earlier boot names nothing now, even if a process of this boot happens to have the same number.
 */
export function currentBoot(): string | null {
  if (boot === undefined) {
    try {
      boot = readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim() || null;
    } catch {
      boot = null; // not Linux: liveness rests on the pid alone
    }
  }
  return boot;
}
