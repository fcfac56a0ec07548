/**
 * The cashier screen, keyboard first. A plain checkout after the scan: the amount's digits, Enter
 * (preview), Enter (confirm). Esc steps back; a new scan starts the next customer from any step.
 */
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '../../components/error-notice.js';
import { useKey } from '../../components/use-key.js';
import { AmountForm } from './amount-form.js';
import { EnrolForm } from './enrol-form.js';
import { MemberPanel } from './member-panel.js';
import { PreviewPanel } from './preview-panel.js';
import { ResultPanel } from './result-panel.js';
import { UnknownCardPanel } from './unknown-card-panel.js';
import { useCashier } from './use-cashier.js';
import { useWedge } from './use-wedge.js';
import { WaitingPanel } from './waiting-panel.js';

export function CashierScreen() {
  const { t } = useTranslation();
  const cashier = useCashier();
  useWedge(cashier.scan);
  useKey('Escape', cashier.back);
  const { phase, busy, problem } = cashier;
  const sale = phase.kind === 'basket' || phase.kind === 'preview' || phase.kind === 'done' ? phase.sale : null;
  return (
    <div className="cashier" data-phase={phase.kind} aria-busy={busy}>
      <h1 className="screen-title">{t('cashier.heading')}</h1>
      <div className="cashier-columns">
        {sale && <MemberPanel member={phase.kind === 'done' ? { ...sale.member, balance: phase.receipt.balance, tier: phase.receipt.tier, expiringSoon: phase.receipt.expiringSoon } : sale.member} card={sale.card} />}
        <div className="cashier-step">
          {phase.kind === 'basket' && sale?.welcomePoints !== undefined && (
            <p className="notice notice-ok" role="status">
              {t('enrol.welcome', { points: sale.welcomePoints })}
            </p>
          )}
          {problem?.kind === 'host' && <ErrorNotice key={`${problem.error.code}:${problem.error.message}`} error={problem.error} />}
          {phase.kind === 'waiting' && <WaitingPanel busy={busy} onLookUp={cashier.lookUp} />}
          {phase.kind === 'basket' && <AmountForm key={phase.sale.txnId} initial={phase.sale.amountText} busy={busy} problem={problem?.kind === 'amount' ? problem.problem : null} onSubmit={cashier.submitAmount} />}
          {phase.kind === 'preview' && <PreviewPanel key={phase.sale.txnId} quote={phase.quote} redeem={phase.redeem} spendCode={phase.spendCode} busy={busy} onChoose={cashier.chooseRedemption} onConfirm={cashier.confirm} />}
          {phase.kind === 'done' && <ResultPanel receipt={phase.receipt} />}
          {phase.kind === 'unknown-card' && <UnknownCardPanel card={phase.card} onEnrol={cashier.startEnrolment} onBack={cashier.back} />}
          {phase.kind === 'enrol' && <EnrolForm card={phase.card} busy={busy} onSubmit={cashier.enrol} onBack={cashier.back} />}
          <p className="keys-help">{t('app.keys')}</p>
        </div>
      </div>
    </div>
  );
}
