import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AZERTY_ALTGR_ON_WINDOWS, AZERTY_SCANNER_ON_US_PC, US_SCANNER_ON_AZERTY_PC, type LayoutFixture } from '../../../tests/e2e/wedge-fixtures.js';
import { DEFAULT_WEDGE_OPTIONS, WedgeDetector, type WedgeDecision, type WedgeKey, type WedgeOptions, type WedgeOutput } from './detector.js';

const GS = '\u001d';

// ---- synthetic key events ----

/** The US key (and Shift) that types each character: what a US-layout scanner presses. */
const US_KEYS = new Map<string, { code: string; shiftKey: boolean }>([
  ...[...'0123456789'].map((d) => [d, { code: `Digit${d}`, shiftKey: false }] as const),
  ...[...'abcdefghijklmnopqrstuvwxyz'].map((c) => [c, { code: `Key${c.toUpperCase()}`, shiftKey: false }] as const),
  ...[...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'].map((c) => [c, { code: `Key${c}`, shiftKey: true }] as const),
  ['-', { code: 'Minus', shiftKey: false }],
  [']', { code: 'BracketRight', shiftKey: false }],
  ['#', { code: 'Digit3', shiftKey: true }],
  ['*', { code: 'Digit8', shiftKey: true }],
  ['$', { code: 'Digit4', shiftKey: true }],
  ['%', { code: 'Digit5', shiftKey: true }],
  ['/', { code: 'Slash', shiftKey: false }],
  [' ', { code: 'Space', shiftKey: false }],
]);

const NAMED_CODES: Readonly<Record<string, string>> = {
  Enter: 'Enter',
  Tab: 'Tab',
  Shift: 'ShiftLeft',
  Control: 'ControlLeft',
  Alt: 'AltLeft',
  ArrowDown: 'ArrowDown',
  F2: 'F2',
  Escape: 'Escape',
  Backspace: 'Backspace',
};

/** One keydown as the page would report it for `key` at `time`. */
function key(k: string, time: number, extra: Partial<WedgeKey> = {}): WedgeKey {
  const us = US_KEYS.get(k);
  const code = us?.code ?? NAMED_CODES[k];
  if (code === undefined && !('code' in extra)) throw new Error(`no code for ${JSON.stringify(k)} in the test table`);
  return { key: k, code: code ?? '', shiftKey: us?.shiftKey ?? false, ctrlKey: false, altKey: false, time, editable: false, ...extra };
}

/** `text` typed from `start`, one key every `gap` ms. */
function typed(text: string, start: number, gap: number, extra: Partial<WedgeKey> = {}): WedgeKey[] {
  return [...text].map((c, i) => key(c, start + i * gap, extra));
}

/** A fixture's keydowns (modifier keydowns included, as a browser reports them) every `gap` ms. */
function fixtureKeys(fixture: LayoutFixture, start: number, gap: number): WedgeKey[] {
  const events: WedgeKey[] = [];
  let time = start;
  for (const k of fixture.keys) {
    const base = { shiftKey: k.shiftKey === true, ctrlKey: k.ctrlKey === true, altKey: k.altKey === true, editable: false };
    if (k.shiftKey === true) {
      events.push({ ...base, key: 'Shift', code: 'ShiftLeft', time });
      time += gap;
    }
    events.push({ ...base, key: k.key, code: k.code, ...(k.altGraph === true ? { altGraph: true } : {}), time });
    time += gap;
  }
  return events;
}

interface Run {
  readonly decisions: WedgeDecision[];
  readonly outputs: WedgeOutput[];
  readonly holds: boolean[];
}

/** Feeds the events in order (then ticks at `tickAt`, if given) and collects what came out, in order. */
function run(detector: WedgeDetector, events: readonly WedgeKey[], tickAt?: number): Run {
  const decisions: WedgeDecision[] = [];
  const outputs: WedgeOutput[] = [];
  for (const event of events) {
    const decision = detector.push(event);
    decisions.push(decision);
    outputs.push(...decision.outputs);
  }
  if (tickAt !== undefined) outputs.push(...detector.tick(tickAt));
  return { decisions, outputs, holds: decisions.map((d) => d.hold) };
}

/** Outputs in a readable form: 'scan:TEXT' or 'keys:a b c'. */
function summary(outputs: readonly WedgeOutput[]): string[] {
  return outputs.map((o) => (o.type === 'scan' ? `scan:${o.text}` : `keys:${o.keys.map((k) => k.key).join(' ')}`));
}

const last = <T>(items: readonly T[]): T => {
  const item = items.at(-1);
  if (item === undefined) throw new Error('empty');
  return item;
};

const EAN = '2012345678903';

describe('scanner bursts', () => {
  it('a burst ended by Enter is one scan; every key and the Enter are held', () => {
    const events = [...typed(EAN, 1000, 8), key('Enter', 1000 + 13 * 8)];
    const { outputs, holds } = run(new WedgeDetector(), events);
    expect(summary(outputs)).toEqual([`scan:${EAN}`]);
    expect(holds.every(Boolean)).toBe(true);
    expect(outputs[0]).toMatchObject({ type: 'scan', startedAt: 1000, endedAt: 1104, keys: 14 });
  });

  it('the scan comes out on the Enter itself, with no tick', () => {
    const detector = new WedgeDetector();
    run(detector, typed(EAN, 0, 8));
    const decision = detector.push(key('Enter', 13 * 8));
    expect(summary(decision.outputs)).toEqual([`scan:${EAN}`]);
    expect(detector.holding).toBe(false);
  });

  it('a burst ended by Tab is one scan, and the Tab is held (focus does not move)', () => {
    const { outputs, holds } = run(new WedgeDetector(), [...typed(EAN, 0, 8), key('Tab', 13 * 8)]);
    expect(summary(outputs)).toEqual([`scan:${EAN}`]);
    expect(last(holds)).toBe(true);
  });

  it('the keypad Enter ends a burst too, recognised by its code', () => {
    const { outputs } = run(new WedgeDetector(), [...typed(EAN, 0, 8), key('Unidentified', 13 * 8, { code: 'NumpadEnter' })]);
    expect(summary(outputs)).toEqual([`scan:${EAN}`]);
  });

  it('a burst with no terminator ends after the silence, on tick()', () => {
    const detector = new WedgeDetector();
    const { outputs } = run(detector, typed(EAN, 0, 8));
    expect(outputs).toEqual([]);
    const lastKey = 12 * 8;
    expect(detector.tick(lastKey + 10)).toEqual([]);
    expect(detector.tick(lastKey + DEFAULT_WEDGE_OPTIONS.endSilenceMs - 1)).toEqual([]);
    expect(detector.holding).toBe(true);
    const settled = detector.tick(lastKey + DEFAULT_WEDGE_OPTIONS.endSilenceMs);
    expect(summary(settled)).toEqual([`scan:${EAN}`]);
    expect(settled[0]).toMatchObject({ startedAt: 0, endedAt: lastKey, keys: 13 });
    expect(detector.holding).toBe(false);
    expect(detector.tick(lastKey + 1000)).toEqual([]);
  });

  it('two unterminated bursts apart are two scans: the gap ends the first', () => {
    const { outputs } = run(new WedgeDetector(), [...typed('11112222', 0, 8), ...typed('33334444', 500, 8)], 2000);
    expect(summary(outputs)).toEqual(['scan:11112222', 'scan:33334444']);
  });

  it('≤ 40 ms between keys is a burst; 41 ms is not (the defaults)', () => {
    expect(summary(run(new WedgeDetector(), [...typed('123456', 0, 40), key('Enter', 240)]).outputs)).toEqual(['scan:123456']);
    const slow = run(new WedgeDetector(), [...typed('123456', 0, 41), key('Enter', 6 * 41)]);
    expect(slow.outputs.some((o) => o.type === 'scan')).toBe(false);
    expect(last(slow.holds)).toBe(false);
  });

  it('timing is configurable', () => {
    const events = [...typed('123456', 0, 20), key('Enter', 120)];
    expect(summary(run(new WedgeDetector({ maxInterKeyMs: 15 }), events).outputs)).not.toContain('scan:123456');
    expect(summary(run(new WedgeDetector({ maxInterKeyMs: 25 }), events).outputs)).toEqual(['scan:123456']);
    const silent = new WedgeDetector({ endSilenceMs: 200 });
    run(silent, typed('123456', 0, 8));
    expect(silent.tick(40 + 150)).toEqual([]);
    expect(summary(silent.tick(40 + 200))).toEqual(['scan:123456']);
  });

  it('an AIM symbology identifier stays in the text (the card-code parser splits it)', () => {
    const { outputs } = run(new WedgeDetector(), [...typed(`]E0${EAN}`, 0, 8), key('Enter', 200)]);
    expect(summary(outputs)).toEqual([`scan:]E0${EAN}`]);
  });
});

describe('minimum length', () => {
  it('a fast burst shorter than minLength is a person: released, and the Enter passes through', () => {
    const events = [...typed('123', 0, 8), key('Enter', 24)];
    const { outputs, holds } = run(new WedgeDetector(), events);
    expect(summary(outputs)).toEqual(['keys:1 2 3']);
    expect(holds).toEqual([true, true, true, false]);
  });

  it('minLength characters make a scan; minLength is configurable', () => {
    expect(summary(run(new WedgeDetector(), [...typed('1234', 0, 8), key('Enter', 32)]).outputs)).toEqual(['scan:1234']);
    const eight = new WedgeDetector({ minLength: 8 });
    expect(summary(run(eight, [...typed('1234567', 0, 8), key('Enter', 56)]).outputs)).toEqual(['keys:1 2 3 4 5 6 7']);
    expect(summary(run(eight, [...typed('12345678', 100, 8), key('Enter', 164)]).outputs)).toEqual(['scan:12345678']);
  });

  it('counts the code after the prefix is stripped', () => {
    const detector = new WedgeDetector({ prefix: '##', minLength: 4 });
    expect(summary(run(detector, [...typed('##123', 0, 8), key('Enter', 40)]).outputs)).toEqual(['keys:# # 1 2 3']);
    expect(summary(run(detector, [...typed('##1234', 100, 8), key('Enter', 148)]).outputs)).toEqual(['scan:1234']);
  });

  it('minLength 0 still never makes an empty scan', () => {
    const detector = new WedgeDetector({ minLength: 0, prefix: '*' });
    const { outputs, holds } = run(detector, [key('*', 0), key('Enter', 8)]);
    expect(summary(outputs)).toEqual(['keys:*']);
    expect(holds).toEqual([true, false]);
  });
});

describe('prefix and suffix', () => {
  it('strips a configured prefix and suffix', () => {
    const detector = new WedgeDetector({ prefix: '##', suffix: '%' });
    expect(summary(run(detector, [...typed(`##${EAN}%`, 0, 8), key('Enter', 200)]).outputs)).toEqual([`scan:${EAN}`]);
  });

  it('a suffix sent instead of Enter: the burst ends on silence and the suffix is stripped', () => {
    const detector = new WedgeDetector({ suffix: '$$' });
    const { outputs, holds } = run(detector, typed(`${EAN}$$`, 0, 8), 1000);
    expect(summary(outputs)).toEqual([`scan:${EAN}`]);
    expect(holds.every(Boolean)).toBe(true);
  });

  it('a configured prefix identifies the scanner: a burst without it is not a scan', () => {
    const { outputs, holds } = run(new WedgeDetector({ prefix: '##' }), [...typed('123456', 0, 8), key('Enter', 48)]);
    expect(summary(outputs)).toEqual(['keys:1 2 3 4 5 6']);
    expect(last(holds)).toBe(false);
  });

  it('a configured suffix is required too', () => {
    const { outputs } = run(new WedgeDetector({ suffix: '%' }), [...typed('123456', 0, 8), key('Enter', 48)]);
    expect(summary(outputs)).toEqual(['keys:1 2 3 4 5 6']);
  });

  it('a prefix after the AIM identifier is stripped and the identifier kept', () => {
    const detector = new WedgeDetector({ prefix: '##' });
    expect(summary(run(detector, [...typed(`]E0##${EAN}`, 0, 8), key('Enter', 200)]).outputs)).toEqual([`scan:]E0${EAN}`]);
    expect(summary(run(detector, [...typed(`##]E0${EAN}`, 500, 8), key('Enter', 700)]).outputs)).toEqual([`scan:]E0${EAN}`]);
  });
});

describe('a person typing', () => {
  it('keys at human speed are released one by one, in order; none is a scan', () => {
    const detector = new WedgeDetector();
    const { outputs, holds } = run(detector, typed('hello', 0, 150), 5 * 150 + 100);
    expect(summary(outputs)).toEqual(['keys:h', 'keys:e', 'keys:l', 'keys:l', 'keys:o']);
    // Outside a field each key is held briefly (then released), so a shortcut runs once, ~50 ms late.
    expect(holds.every(Boolean)).toBe(true);
    expect(detector.holding).toBe(false);
  });

  it('Enter after slow keys passes through, after they are released', () => {
    const events = [...typed('12345', 0, 150), key('Enter', 5 * 150)];
    const { decisions } = run(new WedgeDetector(), events);
    const enter = last(decisions);
    expect(enter.hold).toBe(false);
    expect(summary(enter.outputs)).toEqual(['keys:5']);
  });

  it("a person's key right before a burst is released, and the burst is still a scan", () => {
    const events = [key('x', 0), ...typed(EAN, 200, 8), key('Enter', 200 + 13 * 8)];
    const { outputs } = run(new WedgeDetector(), events);
    expect(summary(outputs)).toEqual(['keys:x', `scan:${EAN}`]);
  });

  it("a person's key right after a scan is released on its own", () => {
    const events = [...typed(EAN, 0, 8), key('Enter', 104), key('y', 110)];
    const { outputs, holds } = run(new WedgeDetector(), events, 110 + 50);
    expect(summary(outputs)).toEqual([`scan:${EAN}`, 'keys:y']);
    expect(last(holds)).toBe(true);
  });

  it('a key that types nothing (an arrow, F2) ends a burst and passes through at once', () => {
    const { outputs, holds } = run(new WedgeDetector(), [...typed('12', 0, 8), key('ArrowDown', 16), key('F2', 24)]);
    expect(summary(outputs)).toEqual(['keys:1 2']);
    expect(holds).toEqual([true, true, false, false]);
  });

  it('Ctrl+C outside a field is never held', () => {
    const { outputs, holds } = run(new WedgeDetector(), [
      key('Control', 0, { ctrlKey: true }),
      key('c', 10, { ctrlKey: true }),
    ]);
    expect(outputs).toEqual([]);
    expect(holds).toEqual([false, false]);
  });

  it('a key held down auto-repeats every ~33 ms: never a scan', () => {
    const events = [key('1', 0), ...[1, 2, 3, 4, 5, 6].map((i) => key('1', 500 + i * 33, { repeat: true }))];
    const { outputs, holds } = run(new WedgeDetector(), events, 1000);
    expect(summary(outputs)).toEqual(['keys:1']);
    expect(holds).toEqual([true, false, false, false, false, false, false]);
  });

  it('a repeat that comes fast after the first press still releases it first', () => {
    const events = [key('1', 0), key('1', 30, { repeat: true }), key('1', 60, { repeat: true })];
    const { outputs, decisions } = run(new WedgeDetector(), events);
    expect(summary(outputs)).toEqual(['keys:1']);
    expect(summary(decisions[1]!.outputs)).toEqual(['keys:1']);
  });
});

describe('editable targets (a field a person is using)', () => {
  it('are never held, even at scanner speed, and never become a scan', () => {
    const detector = new WedgeDetector();
    const { outputs, holds } = run(detector, [...typed(EAN, 0, 8, { editable: true }), key('Enter', 104, { editable: true })], 1000);
    expect(holds.every((h) => !h)).toBe(true);
    expect(outputs).toEqual([]);
    expect(detector.holding).toBe(false);
  });

  it('release whatever was held outside the field first', () => {
    const events = [key('a', 0), key('b', 8), key('c', 16, { editable: true })];
    const { decisions } = run(new WedgeDetector(), events);
    expect(decisions[2]).toEqual({ hold: false, outputs: [{ type: 'keys', keys: [events[0], events[1]] }] });
  });

  it('the screen gets back exactly the events it held, the same objects', () => {
    const events = typed('ab', 0, 150);
    const { outputs } = run(new WedgeDetector(), events, 1000);
    expect(outputs.flatMap((o) => (o.type === 'keys' ? o.keys : []))).toEqual(events);
    expect(outputs.flatMap((o) => (o.type === 'keys' ? o.keys : []))[0]).toBe(events[0]);
  });
});

describe('Shift and other modifiers', () => {
  it('Shift keydowns inside a burst are part of it: uppercase text, Shift never held', () => {
    const events = [
      key('1', 0),
      key('Shift', 8, { shiftKey: true }),
      key('A', 16),
      key('b', 24),
      key('Shift', 32, { shiftKey: true }),
      key('C', 40),
      key('2', 48),
      key('Enter', 56),
    ];
    const { outputs, holds } = run(new WedgeDetector(), events);
    expect(summary(outputs)).toEqual(['scan:1AbC2']);
    expect(holds).toEqual([true, false, true, true, false, true, true, true]);
  });

  it("the Shift keydown counts for the timing: a slow scanner's key-Shift-key is not split", () => {
    // 30 ms between keydowns, but 60 ms between the characters on either side of a Shift.
    const events = [key('1', 0), key('2', 30), key('Shift', 60, { shiftKey: true }), key('A', 90), key('3', 120), key('Enter', 150)];
    expect(summary(run(new WedgeDetector(), events).outputs)).toEqual(['scan:12A3']);
  });

  it('a Shift before the first character does not start a burst on its own', () => {
    const { outputs, holds } = run(new WedgeDetector(), [key('Shift', 0, { shiftKey: true })], 1000);
    expect(outputs).toEqual([]);
    expect(holds).toEqual([false]);
  });
});

describe('GS (ASCII 29) separators', () => {
  it('Ctrl+] is GS; the Control keydown is part of the burst and never held', () => {
    const element = ']C1010950110153000310ABC123'; // AIM id, (01) GTIN, (10) batch: variable length, so GS follows
    const t = element.length * 8;
    const events = [
      ...typed(element, 0, 8),
      key('Control', t, { ctrlKey: true }),
      key(']', t + 8, { ctrlKey: true }),
      ...typed('21XYZ', t + 16, 8),
      key('Enter', t + 56),
    ];
    const { outputs, holds } = run(new WedgeDetector(), events);
    expect(summary(outputs)).toEqual([`scan:${element}${GS}21XYZ`]);
    expect(holds[element.length]).toBe(false); // Control
    expect(holds[element.length + 1]).toBe(true); // ]
  });

  it("Ctrl+] is GS by its code when the computer's layout names the key otherwise", () => {
    const events = [...typed('1234', 0, 8), key('$', 32, { code: 'BracketRight', ctrlKey: true }), ...typed('5678', 40, 8), key('Enter', 72)];
    expect(summary(run(new WedgeDetector(), events).outputs)).toEqual([`scan:1234${GS}5678`]);
    expect(summary(run(new WedgeDetector({ layout: 'us' }), events).outputs)).toEqual([`scan:1234${GS}5678`]);
  });

  it("the browser's GroupSeparator key is GS", () => {
    const events = [...typed('1234', 0, 8), key('GroupSeparator', 32, { code: '' }), ...typed('5678', 40, 8), key('Enter', 72)];
    expect(summary(run(new WedgeDetector(), events).outputs)).toEqual([`scan:1234${GS}5678`]);
  });

  /** Alt down, then 0 0 2 9 on the keypad, as Chromium reports them (NumLock off names them by their other function). */
  const alt0029 = (t: number, numLock: boolean): WedgeKey[] => [
    key('Alt', t, { altKey: true }),
    ...(['0', '0', '2', '9'] as const).map((d, i) =>
      key(numLock ? d : ({ '0': 'Insert', '2': 'ArrowDown', '9': 'PageUp' } as const)[d], t + 8 * (i + 1), { code: `Numpad${d}`, altKey: true, shiftKey: false }),
    ),
  ];

  it.each([true, false])('Alt+0029 on the keypad is GS (NumLock %s)', (numLock) => {
    const events = [...typed('1234', 0, 8), ...alt0029(32, numLock), ...typed('5678', 80, 8), key('Enter', 112)];
    const { outputs, holds } = run(new WedgeDetector(), events);
    expect(summary(outputs)).toEqual([`scan:1234${GS}5678`]);
    expect(holds.slice(4, 9)).toEqual([false, true, true, true, true]); // Alt passes, the digits are held
    expect(outputs[0]).toMatchObject({ keys: 4 + 4 + 4 + 1 });
  });

  it('Alt+0029 right before Enter, before silence, and twice in a row', () => {
    const beforeEnter = [...typed('1234', 0, 8), ...alt0029(32, true), key('Enter', 80)];
    expect(summary(run(new WedgeDetector(), beforeEnter).outputs)).toEqual([`scan:1234${GS}`]);
    const beforeSilence = [...typed('1234', 0, 8), ...alt0029(32, true)];
    expect(summary(run(new WedgeDetector(), beforeSilence, 72 + 50).outputs)).toEqual([`scan:1234${GS}`]);
    const twice = [...typed('1234', 0, 8), ...alt0029(32, true), ...alt0029(72, true), ...typed('5', 112, 8), key('Enter', 120)];
    expect(summary(run(new WedgeDetector(), twice).outputs)).toEqual([`scan:1234${GS}${GS}5`]);
  });

  it('the Alt+0029 keydowns count for the timing (five keys between two characters)', () => {
    // 20 ms per keydown: 100 ms from "4" to "5", far over 40, yet one burst.
    const events = [
      ...typed('1234', 0, 20),
      key('Alt', 80, { altKey: true }),
      ...['0', '0', '2', '9'].map((d, i) => key(d, 100 + 20 * i, { code: `Numpad${d}`, altKey: true })),
      ...typed('5678', 180, 20),
      key('Enter', 260),
    ];
    expect(summary(run(new WedgeDetector(), events).outputs)).toEqual([`scan:1234${GS}5678`]);
  });
});

describe('key with a code fallback, and keyboard layouts', () => {
  it("'Unidentified' keys are read from their code, as US", () => {
    const events = [
      ...[...'1234'].map((d, i) => key('Unidentified', i * 8, { code: `Digit${d}` })),
      key('Unidentified', 32, { code: 'KeyA', shiftKey: true }),
      key('Enter', 40),
    ];
    expect(summary(run(new WedgeDetector(), events).outputs)).toEqual(['scan:1234A']);
  });

  it("a US-layout scanner on a French PC: key '&' with code 'Digit1' is '1' with layout 'us'", () => {
    const events = [...fixtureKeys(US_SCANNER_ON_AZERTY_PC, 0, 5), key('Enter', 500)];
    // Read as `key` it is the French PC's nonsense; decoded as US it is the code.
    expect(summary(run(new WedgeDetector({ layout: 'us' }), events).outputs)).toEqual([
      `scan:${US_SCANNER_ON_AZERTY_PC.text}`,
    ]);
    const asKey = run(new WedgeDetector(), events).outputs;
    expect(asKey).toHaveLength(1);
    expect(asKey[0]).toMatchObject({ type: 'scan' });
    expect(summary(asKey)[0]).toContain('&é"');
  });

  it("an AZERTY-emulating scanner: Shift+Digit1 is '1' with layout 'azerty'", () => {
    const events = [...fixtureKeys(AZERTY_SCANNER_ON_US_PC, 0, 5), key('Enter', 500)];
    expect(summary(run(new WedgeDetector({ layout: 'azerty' }), events).outputs)).toEqual([`scan:${AZERTY_SCANNER_ON_US_PC.text}`]);
  });

  it("AltGr characters under Windows (Ctrl+Alt+AltGraph): ']' is not GS, as key or as AZERTY", () => {
    const events = [...fixtureKeys(AZERTY_ALTGR_ON_WINDOWS, 0, 5), key('Enter', 500)];
    expect(summary(run(new WedgeDetector({ layout: 'azerty' }), events).outputs)).toEqual([`scan:${AZERTY_ALTGR_ON_WINDOWS.text}`]);
    expect(summary(run(new WedgeDetector({ layout: 'key' }), events).outputs)).toEqual([`scan:${AZERTY_ALTGR_ON_WINDOWS.text}`]);
  });

  it("with a layout, a key whose code the table does not know is read from `key`", () => {
    // AZERTY digits are Shift + the digit row; x and y come with no usable code.
    const events = [
      key('1', 0, { shiftKey: true }),
      key('2', 8, { shiftKey: true }),
      key('x', 16, { code: '' }),
      key('y', 24, { code: 'Unidentified' }),
      key('Enter', 32),
    ];
    expect(summary(run(new WedgeDetector({ layout: 'azerty' }), events).outputs)).toEqual(['scan:12xy']);
  });

  it("Ctrl+] is still GS with layout 'azerty' (the scanner's Ctrl + the ] key position)", () => {
    const events = [
      ...typed('1234', 0, 8).map((e) => ({ ...e, shiftKey: true })),
      key('$', 32, { code: 'BracketRight', ctrlKey: true }),
      key('Shift', 40, { shiftKey: true }),
      key('5', 48, { code: 'Digit5', shiftKey: true }),
      key('Enter', 56),
    ];
    expect(summary(run(new WedgeDetector({ layout: 'azerty' }), events).outputs)).toEqual([`scan:1234${GS}5`]);
  });
});

describe('the contract with the screen (property)', () => {
  const options: Array<Partial<WedgeOptions>> = [{}, { minLength: 1 }, { prefix: '#' }, { suffix: '#', layout: 'us' }, { layout: 'azerty' }];
  const step = fc.record({
    kind: fc.constantFrom('char', 'char', 'char', 'enter', 'tab', 'shift', 'arrow', 'ctrl]', 'alt-digit', 'alt', 'repeat'),
    char: fc.constantFrom(...'0123456789aZ#]'),
    gap: fc.oneof(fc.integer({ min: 0, max: 45 }), fc.integer({ min: 0, max: 300 })),
    editable: fc.boolean(),
    tick: fc.boolean(),
  });

  it('every held key comes back exactly once, in order, inside a scan or as keys; nothing else does', () => {
    fc.assert(
      fc.property(fc.constantFrom(...options), fc.array(step, { maxLength: 60 }), (opts, steps) => {
        const detector = new WedgeDetector(opts);
        const held: WedgeKey[] = [];
        const outputs: WedgeOutput[] = [];
        let time = 0;
        for (const s of steps) {
          time += s.gap;
          if (s.tick) outputs.push(...detector.tick(time));
          const extra: Partial<WedgeKey> = { editable: s.editable };
          const event =
            s.kind === 'char' ? key(s.char, time, extra)
            : s.kind === 'enter' ? key('Enter', time, extra)
            : s.kind === 'tab' ? key('Tab', time, extra)
            : s.kind === 'shift' ? key('Shift', time, { ...extra, shiftKey: true })
            : s.kind === 'arrow' ? key('ArrowDown', time, extra)
            : s.kind === 'ctrl]' ? key(']', time, { ...extra, ctrlKey: true })
            : s.kind === 'alt' ? key('Alt', time, { ...extra, altKey: true })
            : s.kind === 'alt-digit' ? key(s.char.replace(/\D/, '1'), time, { ...extra, code: `Numpad${s.char.replace(/\D/, '1')}`, altKey: true })
            : key(s.char, time, { ...extra, repeat: true });
          const decision = detector.push(event);
          if (decision.hold) held.push(event);
          if (event.editable) expect(decision.hold).toBe(false);
          outputs.push(...decision.outputs);
        }
        outputs.push(...detector.tick(time + 10_000));
        expect(detector.holding).toBe(false);
        let i = 0;
        for (const output of outputs) {
          if (output.type === 'scan') {
            expect(output.text.length).toBeGreaterThanOrEqual(Math.max(1, opts.minLength ?? DEFAULT_WEDGE_OPTIONS.minLength));
            expect(output.startedAt).toBe(held[i]!.time);
            i += output.keys;
            expect(output.endedAt).toBe(held[i - 1]!.time);
          } else {
            for (const k of output.keys) expect(k).toBe(held[i++]);
          }
        }
        expect(i).toBe(held.length);
      }),
      { numRuns: 500 },
    );
  });
});
