/**
 * End of day (`tally eod`): push and pull everything, check the ledger, then report the day's
 * figures (src/contract/day-report.ts) from this terminal's ledger beside the server's for the same
 * terminal and day, every difference shown. Only a clean end of day — everything on the server,
 * the ledger checked, every figure agreeing — writes the day's backup, so a backup is a known-good
 * point; anything less is said plainly and the command fails (the report is still shown, marked as
 * not confirmed).
 *
 * A terminal never enrolled with a server (a stand-alone or demo terminal) gets a local-only end of
 * day: its figures, the check and the backup, marked as not confirmed by any server. That is its
 * normal state, not a failure; a terminal that was enrolled but cannot sync is one.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { compareDayReports, DAY_FIGURES, FIGURE_INFO, type DayMismatch, type DayReport } from '../../contract/day-report.js';
import type { EodOutcome, EodProblem } from '../../contract/end-of-day.js';
import { isTallyError } from '../../core/errors.js';
import type { LangText, ReportSlip } from '../../core/receipt/report-slip.js';
import type { SlipData } from '../../core/receipt/slip.js';
import { dayKey, isoInstant, localDateOf } from '../../core/time.js';
import { terminalDayReport } from '../ledger/day-report.js';
import { environmentError } from '../ledger/environment-errors.js';
import type { Ledger } from '../ledger/ledger.js';
import { verifyLedger } from '../ledger/verify.js';
import type { SecretStore } from '../trust/secret-store.js';
import { SyncClient } from './client.js';
import { syncNow, syncSettings, type SyncOutcome } from './sync.js';

/**
 * Where the day's backups go unless told: a folder beside the ledger (`<ledger>.backups/`, 0700),
 * like its secrets. It survives a damaged ledger file, not a lost disk: a store that can should
 * give `--backup-dir` on another disk or a network share.
 */
export function defaultBackupDir(ledgerPath: string): string {
  return `${ledgerPath}.backups`;
}

// The outcome's shape is the contract's: the manager screen reads exactly what `tally eod --json` writes.
export type { EodOutcome, EodProblem, EodProblemCode, EodStatus } from '../../contract/end-of-day.js';

export interface EodOptions {
  /** YYYY-MM-DD in the store's time zone; default: today by `clock`. */
  readonly day?: string;
  /** The booking clock (`--now` in tests and demos): it picks the default day. */
  readonly clock: () => number;
  /** The real clock: sync records and the backup's name. */
  readonly wallClock: () => number;
  readonly backupDir: string;
  /** Tests: another client (a fault proxy in front of the server). */
  readonly client?: SyncClient;
  /**
   * Runs the sync (a long-running host: through its background sync, so that two never run at
   * once). Default: a sync of its own, as `tally eod` does.
   */
  readonly sync?: () => Promise<SyncOutcome>;
}

function isEnrolled(ledger: Ledger): boolean {
  return ledger.db.prepare('SELECT 1 FROM sync_state WHERE singleton = 1').get() !== undefined;
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** A TallyError is a failure to report; anything else is a fault of Tally's own and propagates. */
function expected(error: unknown): string {
  if (isTallyError(error)) return error.message;
  throw error;
}

export async function endOfDay(ledger: Ledger, secrets: SecretStore, options: EodOptions): Promise<EodOutcome> {
  const { timeZone } = ledger.terminal;
  const day = options.day ?? dayKey(localDateOf(options.clock(), timeZone));
  const enrolled = isEnrolled(ledger);
  const problems: EodProblem[] = [];

  let sync: EodOutcome['sync'] = null;
  let client: SyncClient | undefined;
  if (enrolled) {
    try {
      const settings = syncSettings(ledger, secrets);
      client = options.client ?? new SyncClient({ baseUrl: settings.serverUrl, credential: settings.credential });
      const own = client;
      const r = await (options.sync ?? (() => syncNow(ledger, secrets, { now: options.wallClock, client: own })))();
      sync = { acknowledged: r.push.acknowledged, remaining: r.push.remaining, conflicts: r.push.conflicts.length };
    } catch (error) {
      const why = expected(error);
      client = undefined;
      problems.push(
        isTallyError(error) && error.code === 'io-error'
          ? { code: 'offline', en: why, ko: `서버에 연결할 수 없습니다: ${why}` }
          : { code: 'sync-failed', en: `The sync failed: ${why}`, ko: `동기화 실패: ${why}` },
      );
    }
  }

  const checked = verifyLedger(ledger.db);
  const verify = { ok: checked.ok, problems: checked.problems };
  if (!checked.ok) {
    problems.push({ code: 'verify', en: `The ledger check found ${checked.problems.length} problem(s): run tally verify and call support`, ko: `원장 검사에서 문제 ${checked.problems.length}건 발견: tally verify를 실행하고 지원팀에 연락하세요` });
  }

  // After the sync: the unsynced count is what is left now.
  const terminal = terminalDayReport(ledger, day);
  if (enrolled && terminal.unsynced !== null && terminal.unsynced > 0) {
    problems.push({ code: 'unsynced', en: `${terminal.unsynced} entries are not on the server yet: run tally eod again when the link is back`, ko: `서버에 전송되지 않은 항목 ${terminal.unsynced}건: 연결이 복구되면 tally eod를 다시 실행하세요` });
  }
  if (sync && sync.conflicts > 0) {
    problems.push({ code: 'conflicts', en: `The server holds different copies of ${sync.conflicts} entries: head office has alerts to look at`, ko: `서버에 다른 내용으로 저장된 항목 ${sync.conflicts}건: 본사에 알림이 있습니다` });
  }

  let server: DayReport | null = null;
  if (client) {
    try {
      server = await client.dayReport(day);
    } catch (error) {
      const why = expected(error);
      problems.push({ code: 'server-report', en: `The server's figures could not be had: ${why}`, ko: `서버 보고서를 받을 수 없습니다: ${why}` });
    }
  }
  const mismatches = server ? compareDayReports(terminal, server) : [];
  if (mismatches.length > 0) {
    problems.push({
      code: 'mismatch',
      en: `${mismatches.length} figure(s) differ from the server's: ${mismatches.map((m) => mismatchName(m).en).join(', ')}; nothing was changed; tell head office`,
      ko: `서버와 다른 수치 ${mismatches.length}개: ${mismatches.map((m) => mismatchName(m).ko).join(', ')}. 아무것도 변경되지 않았습니다. 본사에 알리세요`,
    });
  }

  const clean = problems.length === 0;
  let backup: string | null = null;
  if (clean) {
    const wallNow = options.wallClock();
    const target = join(options.backupDir, `eod-${day}-${isoInstant(wallNow).replace(/[-:.]/g, '')}.sqlite`);
    try {
      // The owner's alone, like the ledger's own folder: a backup holds members' personal data.
      mkdirSync(options.backupDir, { recursive: true, mode: 0o700 });
      ledger.backup(target);
      backup = target;
    } catch (error) {
      const refusal = isTallyError(error) ? error : environmentError(error, target);
      if (!refusal) throw error;
      problems.push({ code: 'backup', en: `The backup could not be written to ${target}: ${message(refusal)}`, ko: `백업을 ${target}에 쓸 수 없습니다: ${message(refusal)}` });
    }
  }
  const ok = problems.length === 0;
  return {
    day,
    status: ok ? (enrolled ? 'confirmed' : 'local-only') : 'not-confirmed',
    clean: ok,
    enrolled,
    sync,
    verify,
    terminal,
    server,
    mismatches,
    problems,
    backup,
  };
}

const IDENTITY_NAMES: Readonly<Record<string, LangText>> = {
  storeId: { en: 'Store', ko: '매장' },
  terminalId: { en: 'Terminal', ko: '단말기' },
  day: { en: 'Day', ko: '날짜' },
  timeZone: { en: 'Time zone', ko: '시간대' },
  currency: { en: 'Currency', ko: '통화' },
};

function mismatchName(m: DayMismatch): LangText {
  return (DAY_FIGURES as readonly string[]).includes(m.field) ? FIGURE_INFO[m.field as (typeof DAY_FIGURES)[number]].label : (IDENTITY_NAMES[m.field] ?? { en: m.field, ko: m.field });
}

/** What the outcome says in one line, for the slip and the screen. */
function statusLine(outcome: EodOutcome): LangText {
  if (outcome.status === 'confirmed') return { en: 'Confirmed by the server: every figure agrees', ko: '서버 확인 완료: 모든 수치가 일치합니다' };
  if (outcome.status === 'local-only') return { en: 'Local figures only: this terminal is not enrolled with a server', ko: '로컬 수치만: 서버에 등록되지 않은 단말기입니다' };
  if (outcome.mismatches.length > 0) return { en: 'NOT CONFIRMED: the server has other figures', ko: '미확인: 서버의 수치가 다릅니다' };
  if (outcome.server === null) return { en: "NOT CONFIRMED by the server: this terminal's figures only", ko: '서버 미확인: 이 단말기의 수치만 표시됩니다' };
  return { en: 'NOT CONFIRMED: see below', ko: '미확인: 아래를 보세요' };
}

export interface EodFormat {
  readonly lang: 'en' | 'ko';
  /** Money in the program's currency, as the CLI writes it. */
  readonly money: (amount: number) => string;
  /** A path as the person gave it (relative paths stay relative). */
  readonly path?: (absolute: string) => string;
}

/** Columns a terminal gives the text: Hangul and other East Asian wide characters take two. */
function displayWidth(text: string): number {
  let width = 0;
  for (const c of text) width += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(c) ? 2 : 1;
  return width;
}

const padEnd = (text: string, width: number): string => text + ' '.repeat(Math.max(0, width - displayWidth(text)));
const padStart = (text: string, width: number): string => ' '.repeat(Math.max(0, width - displayWidth(text))) + text;

/** The report as the CLI prints it: every figure beside the server's, a differing one marked with "!". */
export function eodLines(outcome: EodOutcome, format: EodFormat): string[] {
  const { lang } = format;
  const t = outcome.terminal;
  const show = (field: (typeof DAY_FIGURES)[number], n: number): string => (FIGURE_INFO[field].unit === 'money' ? format.money(n) : n.toLocaleString('en-US'));
  const differing = new Set<string>(outcome.mismatches.map((m) => m.field));
  const labels = DAY_FIGURES.map((f) => FIGURE_INFO[f].label[lang]);
  const width = Math.max(...labels.map(displayWidth), displayWidth(lang === 'ko' ? '미전송 항목' : 'Unsynced entries'));
  const heading = lang === 'ko' ? { terminal: '단말기', server: '서버', unsynced: '미전송 항목' } : { terminal: 'terminal', server: 'server', unsynced: 'Unsynced entries' };
  const syncLine = !outcome.enrolled
    ? lang === 'ko'
      ? '동기화: 서버에 등록되지 않은 단말기 (로컬 전용)'
      : 'Sync: not enrolled with a server (local only)'
    : outcome.sync === null
      ? lang === 'ko'
        ? '동기화: 실패 (아래 참조)'
        : 'Sync: failed (see below)'
      : lang === 'ko'
        ? `동기화: ${outcome.sync.acknowledged}건 확인됨, ${outcome.sync.remaining}건 남음`
        : `Sync: ${outcome.sync.acknowledged} ${outcome.sync.acknowledged === 1 ? 'entry' : 'entries'} acknowledged, ${outcome.sync.remaining} left`;
  const lines = [
    lang === 'ko'
      ? `마감 보고 ${outcome.day}: 매장 ${t.storeId}, 단말기 ${t.terminalId} (${t.timeZone})`
      : `End of day ${outcome.day}: store ${t.storeId}, terminal ${t.terminalId} (${t.timeZone})`,
    syncLine,
    outcome.verify.ok ? (lang === 'ko' ? '원장 검사: 정상' : 'Ledger check: OK') : lang === 'ko' ? '원장 검사: 문제 있음' : 'Ledger check: PROBLEMS',
    ...outcome.verify.problems.map((p) => `  ${p}`),
    `  ${padEnd('', width)}  ${padStart(heading.terminal, 14)}  ${outcome.enrolled ? padStart(heading.server, 14) : ''}`.trimEnd(),
    ...DAY_FIGURES.map((f, i) => {
      const mark = differing.has(f) ? '!' : ' ';
      const server = outcome.server ? show(f, outcome.server.figures[f]) : '—';
      return `${mark} ${padEnd(labels[i]!, width)}  ${padStart(show(f, t.figures[f]), 14)}  ${outcome.enrolled ? padStart(server, 14) : ''}`.trimEnd();
    }),
    `  ${padEnd(heading.unsynced, width)}  ${padStart(String(t.unsynced ?? 0), 14)}`,
    ...outcome.mismatches
      .filter((m) => !(DAY_FIGURES as readonly string[]).includes(m.field))
      .map((m) => `! ${mismatchName(m)[lang]}: ${lang === 'ko' ? '단말기' : 'terminal'} ${m.terminal}, ${lang === 'ko' ? '서버' : 'server'} ${m.server}`),
    statusLine(outcome)[lang],
    ...outcome.problems.map((p) => `! ${p[lang]}`),
  ];
  if (outcome.backup !== null) lines.push(lang === 'ko' ? `백업: ${format.path?.(outcome.backup) ?? outcome.backup}` : `Backup: ${format.path?.(outcome.backup) ?? outcome.backup}`);
  return lines;
}

/** The slip version of the report, for the receipt printer's queue (its language is the printer's). */
export function eodSlip(outcome: EodOutcome, ledger: Ledger, at: number): SlipData {
  const t = outcome.terminal;
  const differing = new Set<string>(outcome.mismatches.map((m) => m.field));
  const report: ReportSlip = {
    title: { en: `End of day ${outcome.day}`, ko: `마감 보고 ${outcome.day}` },
    subtitle: { en: `${t.storeId} / ${t.terminalId}`, ko: `${t.storeId} / ${t.terminalId}` },
    otherLabel: { en: 'Server', ko: '서버' },
    rows: [
      ...DAY_FIGURES.map((f) => ({
        label: FIGURE_INFO[f].label,
        unit: FIGURE_INFO[f].unit,
        value: t.figures[f],
        other: differing.has(f) && outcome.server ? outcome.server.figures[f] : null,
      })),
      { label: { en: 'Unsynced entries', ko: '미전송 항목' }, unit: 'count' as const, value: t.unsynced ?? 0, other: null },
    ],
    notes: [statusLine(outcome), ...outcome.problems.filter((p) => p.code !== 'mismatch').map((p) => ({ en: p.en, ko: p.ko }))],
  };
  return {
    kind: 'day-report',
    txnId: `EOD-${outcome.day}`,
    at,
    storeId: t.storeId,
    terminalId: t.terminalId,
    currency: t.currency,
    member: { id: 'end-of-day', name: null, card: null },
    earned: null,
    redeemed: null,
    returned: null,
    rewards: [],
    donations: [],
    balance: 0,
    tier: null,
    expiring: [],
    memberQr: null,
    ...(ledger.terminal.demo ? { demo: true } : {}),
    report,
  };
}
