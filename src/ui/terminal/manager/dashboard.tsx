/**
 * The dashboard: this terminal's last 30 days (terminal-figures): members enrolled, points issued
 * and redeemed, the redemption rate, the points outstanding. The chart is inline SVG drawn here
 * (no chart library) and described for screen readers; the table under it holds the same figures.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TerminalFigures } from '../../../contract/figures.js';
import type { ContractError } from '../../bridge/contract-error.js';
import { ErrorNotice } from '../../components/error-notice.js';
import { useFormats } from '../terminal-context.js';
import { barHeights, niceCeiling } from './chart-scale.js';
import { asContractError, type SessionCall } from './use-manager-session.js';

const DAYS = 30;
const WIDTH = 720;
const HEIGHT = 200;
const LEFT = 56;
const BOTTOM = 24;

type State = { readonly kind: 'loading' } | { readonly kind: 'ready'; readonly figures: TerminalFigures } | { readonly kind: 'failed'; readonly error: ContractError };

function sum(figures: TerminalFigures, pick: (day: TerminalFigures['days'][number]['figures']) => number): number {
  return figures.days.reduce((total, day) => total + pick(day.figures), 0);
}

function PointsChart({ figures }: { readonly figures: TerminalFigures }) {
  const { t } = useTranslation();
  const f = useFormats();
  const issued = figures.days.map((d) => d.figures.pointsIssued);
  const redeemed = figures.days.map((d) => d.figures.pointsRedeemed);
  const ceiling = niceCeiling(Math.max(0, ...issued, ...redeemed));
  const plot = HEIGHT - BOTTOM;
  const issuedHeights = barHeights(issued, ceiling, plot - 8);
  const redeemedHeights = barHeights(redeemed, ceiling, plot - 8);
  const slot = (WIDTH - LEFT) / Math.max(1, figures.days.length);
  const bar = Math.max(1, Math.floor(slot / 2) - 1);
  const first = figures.days[0]?.day ?? '';
  const last = figures.days[figures.days.length - 1]?.day ?? '';
  return (
    <svg className="chart" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby="points-chart-title points-chart-desc" data-testid="points-chart">
      <title id="points-chart-title">{t('dashboard.chartTitle')}</title>
      <desc id="points-chart-desc">{t('dashboard.chartDesc', { from: f.day(first), to: f.day(last), issued: f.points(sum(figures, (d) => d.pointsIssued)), redeemed: f.points(sum(figures, (d) => d.pointsRedeemed)) })}</desc>
      <line className="chart-axis" x1={LEFT} y1={plot} x2={WIDTH} y2={plot} />
      <line className="chart-axis" x1={LEFT} y1={8} x2={LEFT} y2={plot} />
      <text className="chart-label" x={LEFT - 6} y={plot} textAnchor="end">
        0
      </text>
      <text className="chart-label" x={LEFT - 6} y={16} textAnchor="end">
        {f.points(ceiling)}
      </text>
      {figures.days.map((day, i) => {
        const x = LEFT + i * slot + 1;
        return (
          <g key={day.day}>
            <rect className="chart-issued" x={x} y={plot - issuedHeights[i]!} width={bar} height={issuedHeights[i]!} />
            <rect className="chart-redeemed" x={x + bar} y={plot - redeemedHeights[i]!} width={bar} height={redeemedHeights[i]!} />
          </g>
        );
      })}
      <text className="chart-label" x={LEFT} y={HEIGHT - 6}>
        {f.day(first)}
      </text>
      <text className="chart-label" x={WIDTH} y={HEIGHT - 6} textAnchor="end">
        {f.day(last)}
      </text>
    </svg>
  );
}

export function Dashboard({ call }: { readonly call: SessionCall }) {
  const { t } = useTranslation();
  const f = useFormats();
  const [state, setState] = useState<State>({ kind: 'loading' });
  useEffect(() => {
    let current = true;
    call('terminal-figures', { days: DAYS }).then(
      (figures) => {
        if (current) setState({ kind: 'ready', figures });
      },
      (failure: unknown) => {
        if (current) setState({ kind: 'failed', error: asContractError(failure) });
      },
    );
    return () => {
      current = false;
    };
  }, [call]);
  if (state.kind === 'loading') return <p role="status">{t('dashboard.loading')}</p>;
  if (state.kind === 'failed') return <ErrorNotice error={state.error} />;
  const { figures } = state;
  const issued = sum(figures, (d) => d.pointsIssued);
  const redeemed = sum(figures, (d) => d.pointsRedeemed);
  return (
    <section className="panel" aria-labelledby="dashboard-title" data-screen="manager-dashboard">
      <h2 id="dashboard-title">{t('dashboard.heading', { days: figures.days.length })}</h2>
      <dl className="facts">
        <div>
          <dt>{t('dashboard.enrolled')}</dt>
          <dd data-testid="dashboard-enrolled">{f.points(sum(figures, (d) => d.membersEnrolled))}</dd>
        </div>
        <div>
          <dt>{t('dashboard.issued')}</dt>
          <dd data-testid="dashboard-issued">{f.points(issued)}</dd>
        </div>
        <div>
          <dt>{t('dashboard.redeemed')}</dt>
          <dd data-testid="dashboard-redeemed">{f.points(redeemed)}</dd>
        </div>
        <div>
          <dt>{t('dashboard.rate')}</dt>
          <dd data-testid="dashboard-rate">{figures.redemptionRate === null ? t('members.noValue') : `${(figures.redemptionRate * 100).toFixed(1)}%`}</dd>
        </div>
        <div>
          <dt>{t('dashboard.liability')}</dt>
          <dd data-testid="dashboard-liability">
            {t('dashboard.liabilityValue', { points: f.points(figures.liability.points), members: f.points(figures.liability.members) })}
            {figures.liability.amount !== null && <span className="fact-note">{f.money(figures.liability.amount)}</span>}
          </dd>
        </div>
      </dl>
      <p className="chart-legend">
        <span className="legend-issued">{t('dashboard.issued')}</span> <span className="legend-redeemed">{t('dashboard.redeemed')}</span>
      </p>
      <PointsChart figures={figures} />
      <table data-testid="dashboard-table">
        <caption>{t('dashboard.tableCaption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('dashboard.day')}</th>
            <th scope="col">{t('dashboard.enrolled')}</th>
            <th scope="col">{t('dashboard.issued')}</th>
            <th scope="col">{t('dashboard.redeemed')}</th>
          </tr>
        </thead>
        <tbody>
          {figures.days.map((day) => (
            <tr key={day.day} data-day={day.day}>
              <th scope="row">{f.day(day.day)}</th>
              <td>{f.points(day.figures.membersEnrolled)}</td>
              <td>{f.points(day.figures.pointsIssued)}</td>
              <td>{f.points(day.figures.pointsRedeemed)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
