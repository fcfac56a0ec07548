/**
 * Receipt printing from the command line: configure printers, see and work the queue, reprint a
 * slip from history, preview it as SVG, and install the terminal's member-QR signing key.
 */
import { describeStatus, type PrinterStatus } from '../../core/escpos/status.js';
import { TallyError } from '../../core/errors.js';
import { parseInput } from '../../core/validation.js';
import type { Ledger } from '../ledger/ledger.js';
import { describeTransport, type PrinterConfig } from '../printing/printers.js';
import type { PrintJob } from '../printing/print-queue.js';
import { isProfileId, PROFILE_IDS } from '../printing/profiles.js';
import { certificateSchema, saveCredentials } from '../trust/terminal-credentials.js';
import type { SecretStore } from '../trust/secret-store.js';
import { readSigningKey } from '../trust/key-file.js';
import { readInputFile } from '../input-file.js';

export function printerArgs(options: { id: string; tcp?: string; serial?: string; usb?: string; baud?: number; rtscts?: boolean; timeoutMs?: number; profile: string; lang: 'en' | 'ko' }): {
  id: string;
  transport: unknown;
  profileId: string;
  language: 'en' | 'ko';
} {
  const given = [options.tcp, options.serial, options.usb].filter((x) => x !== undefined).length;
  if (given !== 1) throw new TallyError('invalid-input', 'give one of --tcp HOST[:PORT], --serial PATH or --usb PATH');
  if (!isProfileId(options.profile)) throw new TallyError('invalid-input', `Unknown printer profile "${options.profile}" (known: ${PROFILE_IDS.join(', ')})`);
  const timeout = options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {};
  let transport: unknown;
  if (options.tcp !== undefined) {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(options.tcp);
    if (!m) throw new TallyError('invalid-input', `--tcp takes HOST or HOST:PORT, got "${options.tcp}"`);
    transport = { kind: 'tcp', host: m[1]!.replace(/^\[|\]$/g, ''), ...(m[2] ? { port: Number(m[2]) } : {}), ...timeout };
  } else if (options.serial !== undefined) {
    transport = { kind: 'serial', path: options.serial, ...(options.baud !== undefined ? { baudRate: options.baud } : {}), ...(options.rtscts ? { rtscts: true } : {}), ...timeout };
  } else transport = { kind: 'usb', path: options.usb, ...timeout };
  return { id: options.id, transport, profileId: options.profile, language: options.lang };
}

export function describePrinter(p: PrinterConfig): string {
  return `${p.id}: ${describeTransport(p.transport)}, profile ${p.profileId}, slips in ${p.language === 'ko' ? 'Korean' : 'English'}${p.enabled ? '' : ' (disabled)'}`;
}

export function describeJob(job: Omit<PrintJob, 'slip'> & { readonly txnId: string }, timeZone: (instant: number) => string): string {
  const when = job.state === 'printed' && job.printedAt !== null ? `printed ${timeZone(job.printedAt)}` : job.state === 'pending' && job.lastError ? `waiting: ${job.lastError}` : job.state;
  return `#${job.id}  ${job.kind.padEnd(7)} ${job.txnId.padEnd(20)} ${job.printerId.padEnd(10)} ${when}${job.attempts > 0 ? ` (${job.attempts} attempt${job.attempts === 1 ? '' : 's'})` : ''}`;
}

export function describePrinterStatus(status: PrinterStatus | null, lang: 'en' | 'ko'): string {
  return status === null ? 'status cannot be read on this connection (USB printer class device)' : describeStatus(status)[lang];
}

export function installTerminalKey(
  ledger: Ledger,
  secrets: SecretStore,
  keyFile: string,
  certificateFile: string,
  wallNow: number,
): { keyId: string; issuerKeyId: string; storeId: string; terminalId: string; expiresAt: number } {
  const key = readSigningKey(keyFile);
  const text = readInputFile(certificateFile, 'certificate', 64 * 1024);
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch (error) {
    throw new TallyError('invalid-input', `Certificate ${certificateFile} is not valid JSON: ${(error as Error).message}`);
  }
  const certificate = parseInput(certificateSchema, json, certificateFile);
  saveCredentials(ledger, secrets, key, certificate, wallNow);
  return { keyId: key.id, issuerKeyId: certificate.issuerKeyId, storeId: certificate.storeId, terminalId: certificate.terminalId, expiresAt: certificate.expiresAt };
}
