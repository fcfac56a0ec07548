/**
 * `tally scan CODE`: a scan from outside the terminal host (a script, a scanner the host does not
 * run, support at the counter) sent to the host running on this ledger, which pushes it to its
 * screens as a `scan` with source 'cli' exactly as a scanner's; what the screens then do with it is
 * theirs to decide. The command prints the member the host's `member-lookup` names.
 *
 * Without a running host there is no screen to tell, so the command says so and exits with its own
 * status, SCAN_NO_HOST, instead of looking the card up itself: a script that meant to put a scan in
 * front of the cashier must not take a local look-up for a delivered scan (`tally balance --card`
 * is that look-up).
 */
import { scannedCodeSchema, type ErrorBody, type Reply, type ScannedCode } from '../../contract/messages.js';
import { TallyError } from '../../core/errors.js';
import { readAdvert, staleReason } from '../hosts/discovery.js';
import { HostConnection, HostUnreachable } from '../hosts/websocket/client.js';

/** The exit status of `tally scan` when no terminal host is running for the ledger. */
export const SCAN_NO_HOST = 4;

export type ScanSent =
  | { readonly kind: 'no-host'; readonly why: string }
  /** `member`: the host's answer to `member-lookup` (the member, or why not: an unknown card, a refused code). */
  | { readonly kind: 'sent'; readonly pid: number; readonly scan: ScannedCode; readonly member: Reply };

function refused(error: ErrorBody): TallyError {
  return new TallyError(error.code === 'invalid-input' ? 'invalid-input' : 'io-error', `The terminal host refused the scan: ${error.message}`);
}

export async function sendScan(db: string, code: string): Promise<ScanSent> {
  const advert = readAdvert(db);
  if (advert === null) return { kind: 'no-host', why: 'none has advertised itself beside the ledger' };
  const stale = staleReason(advert);
  if (stale !== null) return { kind: 'no-host', why: `the one that last ran stopped without closing: ${stale}` };
  let connection: HostConnection;
  try {
    connection = await HostConnection.open(advert);
  } catch (error) {
    if (error instanceof HostUnreachable) return { kind: 'no-host', why: `the one that last ran does not answer: ${error.message}` };
    throw error;
  }
  try {
    const sent = await connection.request('scan-arrived', { code });
    if (sent.type === 'error') throw refused(sent.error);
    const scan = scannedCodeSchema.safeParse(sent.result);
    if (!scan.success) throw new TallyError('io-error', `The terminal host (process ${advert.pid}) answered the scan with something that is not a scan: is it another version of Tally?`);
    const member = await connection.request('member-lookup', { card: code });
    return { kind: 'sent', pid: advert.pid, scan: scan.data, member };
  } catch (error) {
    if (error instanceof HostUnreachable) throw new TallyError('io-error', `The terminal host (process ${advert.pid}) stopped answering: ${error.message}; the scan may not have reached its screens`);
    throw error;
  } finally {
    connection.close();
  }
}
