import { describe, expect, it } from 'vitest';
import { statusAnswers, parseStatus } from '../../core/escpos/status.js';
import { printerCondition } from './printer-states.js';
import { PrinterError } from './types.js';

const status = (state: Parameters<typeof statusAnswers>[0]) => ({ kind: 'status' as const, status: parseStatus(statusAnswers(state)) });

describe("a printer's state for the screens", () => {
  it('says what stops printing first, then what only warns', () => {
    expect(printerCondition(status({}))).toEqual({ state: 'ready', message: null });
    expect(printerCondition(status({ paper: 'near-end' }))).toEqual({ state: 'paper-low', message: 'Printer paper running low' });
    expect(printerCondition(status({ paper: 'out' }))).toEqual({ state: 'out-of-paper', message: 'Printer out of paper — load paper' });
    // An open cover also stops the paper sensor reading: the cover is what to see to.
    expect(printerCondition(status({ coverOpen: true, paper: 'out' }))).toEqual({ state: 'cover-open', message: 'Printer cover open — close it' });
    expect(printerCondition(status({ cutterError: true }))).toEqual({ state: 'error', message: 'Printer cutter jammed — clear it' });
    expect(printerCondition(status({ error: true }))).toEqual({ state: 'error', message: 'Printer error — check the printer' });
    expect(printerCondition(status({ online: false }))).toEqual({ state: 'offline', message: 'Printer offline' });
  });

  it('is offline when it cannot be reached, ready when a printer without status took a slip, unknown while another process prints it', () => {
    const refused = new PrinterError('offline', 'TCP printer 10.0.0.9:9100: connection refused (ECONNREFUSED)');
    expect(printerCondition({ kind: 'unreachable', error: refused })).toEqual({ state: 'offline', message: refused.message });
    expect(printerCondition({ kind: 'accepted' })).toEqual({ state: 'ready', message: null });
    expect(printerCondition({ kind: 'held', holder: 'tally print run --watch (pid 4242)' })).toEqual({ state: 'unknown', message: 'printed by tally print run --watch (pid 4242)' });
  });
});
