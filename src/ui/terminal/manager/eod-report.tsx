/**
 * The end-of-day report on screen: every figure of the day beside the server's, a differing one
 * marked in words (DIFFERS) as well as by colour, never hidden; what the outcome means, its
 * problems in the screen's language, the backup, and where the slip went.
 */
import { useTranslation } from 'react-i18next';
import { DAY_FIGURES, FIGURE_INFO, type DayFigure } from '../../../contract/day-report.js';
import type { EndOfDayResult } from '../../../contract/end-of-day.js';
import { useFormats } from '../terminal-context.js';

export function EodReport({ result }: { readonly result: EndOfDayResult }) {
  const { t } = useTranslation();
  const f = useFormats();
  const { terminal, server } = result;
  const differing = new Set<string>(result.mismatches.map((m) => m.field));
  const show = (field: DayFigure, n: number): string => (FIGURE_INFO[field].unit === 'money' ? f.money(n) : f.points(n));
  const verdict = result.status === 'confirmed' ? t('syncPanel.confirmed') : result.status === 'local-only' ? t('syncPanel.localOnly') : t('syncPanel.notConfirmed');
  const identity = result.mismatches.filter((m) => !(DAY_FIGURES as readonly string[]).includes(m.field));
  return (
    <div className="eod-report" data-testid="eod-report" data-status={result.status}>
      <p className={`notice ${result.status === 'not-confirmed' ? 'notice-error' : 'notice-ok'}`} role={result.status === 'not-confirmed' ? 'alert' : 'status'} data-testid="eod-status">
        {verdict}
      </p>
      <table className="eod-table" data-testid="eod-table">
        <caption>{t('syncPanel.reportCaption', { day: f.day(result.day), store: terminal.storeId, terminal: terminal.terminalId })}</caption>
        <thead>
          <tr>
            <th scope="col">{t('syncPanel.figure')}</th>
            <th scope="col">{t('syncPanel.terminalColumn')}</th>
            {result.enrolled && <th scope="col">{t('syncPanel.serverColumn')}</th>}
            {result.enrolled && <th scope="col">{t('syncPanel.check')}</th>}
          </tr>
        </thead>
        <tbody>
          {DAY_FIGURES.map((field) => {
            const differs = differing.has(field);
            return (
              <tr key={field} data-figure={field} data-terminal={terminal.figures[field]} data-server={server?.figures[field] ?? ''} className={differs ? 'eod-differs' : undefined}>
                <th scope="row">{f.name(FIGURE_INFO[field].label)}</th>
                <td>{show(field, terminal.figures[field])}</td>
                {result.enrolled && <td>{server ? show(field, server.figures[field]) : t('syncPanel.noServerFigure')}</td>}
                {result.enrolled && <td data-testid={differs ? 'eod-mismatch' : undefined}>{server === null ? t('syncPanel.noServerFigure') : differs ? <strong>{t('syncPanel.differs')}</strong> : t('syncPanel.agrees')}</td>}
              </tr>
            );
          })}
          <tr data-figure="unsynced" data-terminal={terminal.unsynced ?? 0}>
            <th scope="row">{t('syncPanel.unsyncedRow')}</th>
            <td>{f.points(terminal.unsynced ?? 0)}</td>
            {result.enrolled && <td>{t('syncPanel.noServerFigure')}</td>}
            {result.enrolled && <td>{t('syncPanel.noServerFigure')}</td>}
          </tr>
        </tbody>
      </table>
      {identity.length > 0 && (
        <ul className="notice notice-error" data-testid="eod-identity-mismatches">
          {identity.map((m) => (
            <li key={m.field}>
              {m.field}: {t('syncPanel.terminalColumn')} {String(m.terminal)} · {t('syncPanel.serverColumn')} {String(m.server)}
            </li>
          ))}
        </ul>
      )}
      {result.problems.length > 0 && (
        <>
          <h4>{t('syncPanel.problemsTitle')}</h4>
          <ul className="notice notice-error" data-testid="eod-problems">
            {result.problems.map((p) => (
              <li key={p.code} data-code={p.code}>
                {p[f.lang]}
              </li>
            ))}
          </ul>
        </>
      )}
      <p data-testid="eod-backup">{result.backup !== null ? t('syncPanel.backup', { path: result.backup }) : t('syncPanel.noBackup')}</p>
      <p data-testid="eod-slip">{result.slip !== null ? t('syncPanel.slipQueued', { printer: result.slip.printerId }) : t('syncPanel.noPrinter')}</p>
    </div>
  );
}
