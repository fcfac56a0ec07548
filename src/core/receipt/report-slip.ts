/**
 * A report printed on the receipt printer (the end-of-day report): rows of figures with their
 * labels in both languages, laid out by a built-in ReceiptLine template per language. Unlike a
 * member's slip it has no program template: the figures and the warnings on it are what a manager
 * files, so a program cannot leave any of them off.
 *
 * The labels travel with the queued job (the terminal chooses them from src/contract/day-report.ts)
 * and the language is the printer's, chosen when the slip prints.
 */
import { compileTemplate } from './template.js';

export interface LangText {
  readonly en: string;
  readonly ko: string;
}

export interface ReportSlipRow {
  readonly label: LangText;
  readonly unit: 'count' | 'money' | 'points';
  readonly value: number;
  /** What the other side (the server) says, when it says something else: printed under the row. */
  readonly other: number | null;
}

export interface ReportSlip {
  /** The report's own date line (for the end of day: the day reported, which is not the print date). */
  readonly title: LangText;
  readonly subtitle: LangText;
  readonly rows: readonly ReportSlipRow[];
  /** The outcome, one line each (confirmed, mismatches, offline…). */
  readonly notes: readonly LangText[];
  /** Whose figures `other` are, as the row under a differing figure names them. */
  readonly otherLabel: LangText;
}

export interface ReportSlipOptions {
  readonly lang: 'en' | 'ko';
  readonly storeName: string;
  /** When it printed, local: "2026-11-20 23:15". */
  readonly date: string;
  readonly money: (amount: number) => string;
}

/**
 * `{width:*,13}`: the figures get 13 characters ("KRW 1,234,567", "12,345,678원", "-1,234,567"),
 * the labels the rest (18 on 58 mm paper); a differing figure is marked and the other side's value
 * goes under it, so the difference is seen on paper.
 */
const TEMPLATE = `^^"{{storeName}}"
{{subtitle}}
"{{title}}"
{{printed}}
-
{width:*,13}
{{#rows}}
{{#differs}}
"! {{label}} | "{{value}}
~~{{otherLabel}} | {{other}}
{{/differs}}
{{^differs}}
{{label}} | {{value}}
{{/differs}}
{{/rows}}
{width:auto}
-
{{#notes}}
{{text}} |
{{/notes}}
`;

const render = compileTemplate(TEMPLATE);

/** The narrowest paper's columns (58 mm): notes are broken at spaces to fit it, never inside a word. */
const NOTE_COLUMNS = 32;

/** Columns a printer gives the text: Hangul and other East Asian wide characters take two. */
function columns(text: string): number {
  let width = 0;
  for (const c of text) width += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(c) ? 2 : 1;
  return width;
}

/** A note as lines of at most NOTE_COLUMNS (a longer word, say a URL, gets a line of its own and wraps there). */
function wrap(text: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && columns(`${line} ${word}`) > NOTE_COLUMNS) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** The ReceiptLine document of a report slip, in the printer's language. */
export function reportSlipDocument(report: ReportSlip, options: ReportSlipOptions): string {
  const { lang } = options;
  const show = (unit: ReportSlipRow['unit'], n: number): string => (unit === 'money' ? options.money(n) : n.toLocaleString('en-US'));
  return render({
    storeName: options.storeName,
    printed: `${lang === 'ko' ? '출력' : 'Printed'} ${options.date}`,
    subtitle: report.subtitle[lang],
    title: report.title[lang],
    otherLabel: report.otherLabel[lang],
    rows: report.rows.map((r) => ({ label: r.label[lang], value: show(r.unit, r.value), differs: r.other !== null, other: r.other === null ? '' : show(r.unit, r.other) })),
    notes: report.notes.flatMap((n) => wrap(n[lang]).map((text) => ({ text }))),
  });
}
