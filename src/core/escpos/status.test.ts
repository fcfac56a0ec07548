import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canPrint, describeStatus, isPrinterReplyByte, isStatusByte, parseStatus, STATUS_REQUESTS, StatusParseError, statusAnswers, type PaperState } from './status.js';

type State = Parameters<typeof statusAnswers>[0];

describe('real-time status (DLE EOT)', () => {
  it('the four requests are DLE EOT 1–4, in the order parseStatus reads their answers', () => {
    expect(Object.values(STATUS_REQUESTS).map((r) => [...r])).toEqual([
      [0x10, 0x04, 0x01],
      [0x10, 0x04, 0x02],
      [0x10, 0x04, 0x03],
      [0x10, 0x04, 0x04],
    ]);
  });

  it('a ready printer answers 0x12 four times', () => {
    expect(statusAnswers({})).toEqual([0x12, 0x12, 0x12, 0x12]);
    expect(parseStatus([0x12, 0x12, 0x12, 0x12])).toMatchObject({ online: true, coverOpen: false, paper: 'ok', error: false, cutterError: false, drawerOpen: false });
  });

  it('reads each condition from real answer bytes', () => {
    // Cover open: printer offline (0x08 → 0x1a), offline cause bit 2 (0x16).
    expect(parseStatus([0x1a, 0x16, 0x12, 0x12])).toMatchObject({ online: false, coverOpen: true, paper: 'ok' });
    // Paper out: paper stop (0x32) and the roll sensor's end bits (0x72).
    expect(parseStatus([0x1a, 0x32, 0x12, 0x72])).toMatchObject({ paper: 'out' });
    // Near end: roll sensor bits 2–3 only.
    expect(parseStatus([0x12, 0x12, 0x12, 0x1e])).toMatchObject({ online: true, paper: 'near-end' });
    // Auto-cutter error: error cause bit 3, offline cause bit 6.
    expect(parseStatus([0x1a, 0x52, 0x1a, 0x12])).toMatchObject({ error: true, cutterError: true });
    // Drawer connector pin 3 high.
    expect(parseStatus([0x16, 0x12, 0x12, 0x12]).drawerOpen).toBe(true);
  });

  it('statusAnswers and parseStatus agree for every scripted state', () => {
    const state = fc.record(
      {
        online: fc.boolean(),
        coverOpen: fc.boolean(),
        paper: fc.constantFrom<PaperState>('ok', 'near-end', 'out'),
        error: fc.boolean(),
        cutterError: fc.boolean(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(state, (s: State) => {
        const answers = statusAnswers(s);
        expect(answers.every(isStatusByte)).toBe(true);
        const status = parseStatus(answers);
        expect(status.coverOpen).toBe(s.coverOpen === true);
        expect(status.paper).toBe(s.paper ?? 'ok');
        expect(status.cutterError).toBe(s.cutterError === true);
        expect(status.error).toBe(s.error === true || s.cutterError === true);
        expect(status.online).toBe(!(s.online === false || s.coverOpen === true || s.paper === 'out' || s.error === true));
        expect(status.raw).toEqual(answers);
        expect(canPrint(status)).toBe(s.online !== false && s.coverOpen !== true && s.paper !== 'out' && s.error !== true && s.cutterError !== true);
      }),
    );
  });

  it('a status byte has bit 1 and bit 4 set and bits 0 and 7 clear', () => {
    expect([0x12, 0x16, 0x1a, 0x32, 0x72, 0x7e].every(isStatusByte)).toBe(true);
    // Text, a GS r answer (bit 4 clear), an ASB byte, bit 7 set.
    expect([0x00, 0x41, 0x0c, 0x10, 0x13, 0x92, 0xff].some(isStatusByte)).toBe(false);
  });

  it('tells bytes a printer may send (status, ASB frames, GS r answers, XON/XOFF) from bytes no printer sends', () => {
    // Every status answer, every ASB header (bits 0, 1, 7 clear, bit 4 set) and body byte (bits 4 and 7 clear), XON and XOFF.
    for (let byte = 0; byte < 256; byte += 1) {
      const printerMaySend = isStatusByte(byte) || (byte & 0x93) === 0x10 || (byte & 0x90) === 0x00 || byte === 0x11 || byte === 0x13;
      expect(isPrinterReplyByte(byte), `0x${byte.toString(16)}`).toBe(printerMaySend);
    }
    // An HTTP server's answer: "HTTP/1" is the first byte no printer sends; R and : look like status answers.
    const http = [...'HTTP/1.1 400 Bad Request\r\n'].map((c) => c.charCodeAt(0));
    expect(http.findIndex((b) => !isPrinterReplyByte(b))).toBe(5);
    expect(http.filter(isStatusByte).map((b) => String.fromCharCode(b)).join('')).toBe('R');
    expect(isPrinterReplyByte(0x80)).toBe(false);
  });

  it('refuses bytes that are not status answers, and the wrong number of them', () => {
    expect(() => parseStatus([0x12, 0x12, 0x41, 0x12])).toThrow(StatusParseError);
    expect(() => parseStatus([0x12, 0x12, 0x41, 0x12])).toThrow(/0x41 is not a status byte/);
    expect(() => parseStatus([0x12, 0x12, 0x12])).toThrow(/expected 4 status bytes, got 3/);
    expect(() => parseStatus([])).toThrow(StatusParseError);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }), (answers) => {
        if (answers.every(isStatusByte)) expect(() => parseStatus(answers)).not.toThrow();
        else expect(() => parseStatus(answers)).toThrow(StatusParseError);
      }),
    );
  });

  it('paper near its end still prints; offline, cover open, paper out and errors do not', () => {
    expect(canPrint(parseStatus(statusAnswers({ paper: 'near-end' })))).toBe(true);
    for (const s of [{ online: false }, { coverOpen: true }, { paper: 'out' as const }, { error: true }, { cutterError: true }]) {
      expect(canPrint(parseStatus(statusAnswers(s)))).toBe(false);
    }
  });
});

describe('describeStatus', () => {
  const say = (s: State) => describeStatus(parseStatus(statusAnswers(s)));

  it('tells the cashier what to do, in English and Korean', () => {
    expect(say({})).toEqual({ en: 'Printer ready', ko: '프린터 준비됨' });
    expect(say({ coverOpen: true })).toEqual({ en: 'Printer cover open — close it', ko: '프린터 덮개가 열려 있습니다 — 닫아 주세요' });
    expect(say({ paper: 'out' })).toEqual({ en: 'Printer out of paper — load paper', ko: '프린터 용지가 없습니다 — 용지를 넣어 주세요' });
    expect(say({ cutterError: true })).toEqual({ en: 'Printer cutter jammed — clear it', ko: '프린터 커터가 걸렸습니다 — 확인해 주세요' });
    expect(say({ error: true })).toEqual({ en: 'Printer error — check the printer', ko: '프린터 오류 — 프린터를 확인해 주세요' });
    expect(say({ online: false })).toEqual({ en: 'Printer offline', ko: '프린터가 오프라인입니다' });
    expect(say({ paper: 'near-end' })).toEqual({ en: 'Printer paper running low', ko: '프린터 용지가 얼마 남지 않았습니다' });
  });

  it('says the condition and what to do, never what becomes of a receipt (the caller says that, once)', () => {
    for (const s of [{}, { coverOpen: true }, { paper: 'out' as const }, { cutterError: true }, { error: true }, { online: false }, { paper: 'near-end' as const }]) {
      const { en, ko } = say(s);
      expect(en).not.toMatch(/receipt|prints when/i);
      expect(ko).not.toMatch(/영수증|출력됩니다/);
    }
  });

  it('names the cause the cashier can fix first: an open cover before the paper it also stops', () => {
    expect(say({ coverOpen: true, paper: 'out' }).en).toMatch(/cover open/);
    expect(say({ paper: 'out', error: true }).en).toMatch(/out of paper/);
  });
});
