/**
 * A scan as the screens get it (the `scan` push, the `scan-arrived` reply): the card-code parser's
 * verdict decides how much of the text goes with it. A refused code may be a bank card: only its
 * reason and a mask leave the host.
 */
import type { ScannedCode } from '../../contract/messages.js';
import { maskScanned } from '../../core/card-code/mask.js';
import type { LoyaltyService } from '../loyalty-service.js';

/** A scan as the screens get it: the parser's verdict decides how much of the text goes with it. */
export function scannedCode(service: Pick<LoyaltyService, 'parseCard'>, scan: { readonly source: ScannedCode['source']; readonly device: string | null; readonly text: string; readonly at: number }): ScannedCode {
  const parsed = service.parseCard(scan.text);
  return {
    source: scan.source,
    device: scan.device,
    code: parsed.ok ? scan.text : null,
    shown: maskScanned(scan.text, parsed),
    refused: parsed.ok ? null : parsed.reason,
    at: scan.at,
  };
}

