/**
 * The cashier screen, keyboard first. A plain checkout after the scan: the amount's digits, Enter
 * (preview), Enter (confirm). Esc steps back; a new scan starts the next customer from any step.
 * The function keys (counter-keys.tsx) reach a return, a reprint and the member's other functions.
 */
import { useTranslation } from 'react-i18next';
import { ErrorNotice, LocalNotice } from '../../components/error-notice.js';
import { useKey } from '../../components/use-key.js';
import { AmountForm } from './amount-form.js';
import { BonusDayChoice } from './bonus-day-choice.js';
import { CameraPanel } from './camera-panel.js';
import { CounterKeys } from './counter-keys.js';
import { DeviceStatus } from './device-status.js';
import { EnrolForm } from './enrol-form.js';
import { ExtraPanel } from './extra-panel.js';
import { ExtraResultPanel } from './extra-result-panel.js';
import { MemberPanel } from './member-panel.js';
import { PreviewPanel } from './preview-panel.js';
import { ResultPanel } from './result-panel.js';
import { ReturnPanel } from './return-panel.js';
import { ReturnResultPanel } from './return-result-panel.js';
import { UnknownCardPanel } from './unknown-card-panel.js';
import { useCashier } from './use-cashier.js';
import { useDevices } from './use-devices.js';
import { useWedge } from './use-wedge.js';
import { WaitingPanel } from './waiting-panel.js';
import { useCustomerFeed } from '../customer/use-customer-feed.js';

export function CashierScreen() {
  const { t } = useTranslation();
  const cashier = useCashier();
  useWedge(cashier.scan);
  const devices = useDevices(cashier.pushedScan);
  useCustomerFeed(cashier.phase);
  useKey('Escape', cashier.back);
  const { phase, busy, problem } = cashier;
  const sale = phase.kind === 'basket' || phase.kind === 'preview' || phase.kind === 'done' || phase.kind === 'extra' || phase.kind === 'extra-done' ? phase.sale : null;
  return (
    <div className="cashier" data-phase={phase.kind} aria-busy={busy}>
      <h1 className="screen-title">{t('cashier.heading')}</h1>
      <DeviceStatus devices={devices} refusedScan={problem?.kind === 'scan-refused' ? problem.scan : null} />
      <div className="cashier-columns">
        {sale && <MemberPanel member={phase.kind === 'done' ? { ...sale.member, balance: phase.receipt.balance, tier: phase.receipt.tier, expiringSoon: phase.receipt.expiringSoon } : sale.member} card={sale.card} />}
        <div className="cashier-step">
          {phase.kind === 'basket' && sale?.welcomePoints !== undefined && (
            <p className="notice notice-ok" role="status">
              {t('enrol.welcome', { points: sale.welcomePoints })}
            </p>
          )}
          {phase.kind === 'basket' && sale?.referralPoints !== undefined && (
            <p className="notice notice-ok" role="status" data-testid="referral-notice">
              {t('counter.referralBooked', { points: sale.referralPoints })}
            </p>
          )}
          {problem?.kind === 'host' && <ErrorNotice key={`${problem.error.code}:${problem.error.message}`} error={problem.error} />}
          {cashier.reprintNotice?.kind === 'queued' && (
            <p className="notice notice-ok" role="status" data-testid="reprint-notice">
              {t('counter.reprinted', { txn: cashier.reprintNotice.txnId })}
            </p>
          )}
          {cashier.reprintNotice?.kind === 'none' && <LocalNotice text={t('counter.nothingToReprint')} />}
          {phase.kind === 'waiting' && <WaitingPanel busy={busy} onLookUp={cashier.lookUp} />}
          {phase.kind === 'basket' && <AmountForm key={phase.sale.txnId} initial={phase.sale.amountText} busy={busy} problem={problem?.kind === 'amount' ? problem.problem : null} onSubmit={cashier.submitAmount} />}
          {phase.kind === 'preview' && <PreviewPanel key={phase.sale.txnId} quote={phase.quote} redeem={phase.redeem} spendCode={phase.spendCode} busy={busy} onChoose={cashier.chooseRedemption} onConfirm={cashier.confirm} />}
          {phase.kind === 'preview' && <BonusDayChoice quote={phase.quote} chosen={phase.bonusDay} busy={busy} onToggle={cashier.toggleBonusDay} />}
          {phase.kind === 'done' && <ResultPanel receipt={phase.receipt} />}
          {phase.kind === 'unknown-card' && <UnknownCardPanel card={phase.card} onEnrol={cashier.startEnrolment} onBack={cashier.back} />}
          {phase.kind === 'enrol' && <EnrolForm key={phase.card} card={phase.card} referredBy={phase.referredBy} busy={busy} onSubmit={cashier.enrol} onBack={cashier.back} />}
          {phase.kind === 'return' && <ReturnPanel key={phase.returnId} originalTxnId={phase.originalTxnId} busy={busy} problem={problem?.kind === 'amount' ? problem.problem : problem?.kind === 'return-txn' ? 'return-txn' : null} onSubmit={cashier.submitReturn} />}
          {phase.kind === 'return-done' && <ReturnResultPanel receipt={phase.receipt} />}
          {phase.kind === 'extra' && (
            <ExtraPanel key={phase.txnId} extra={phase.extra} member={phase.sale.member} busy={busy} pointsProblem={problem?.kind === 'amount'} spendCode={phase.spendCode} onAction={cashier.bookAction} onMembership={cashier.sellMembership} onDonate={cashier.donate} />
          )}
          {phase.kind === 'extra-done' && <ExtraResultPanel booked={phase.booked} />}
          {phase.kind === 'camera' && <CameraPanel key={phase.attempt} onScan={cashier.scan} />}
          <CounterKeys
            memberShown={sale !== null && phase.kind !== 'preview'}
            canReprint={cashier.lastSlip !== null}
            cameraAvailable={typeof navigator !== 'undefined' && navigator.mediaDevices !== undefined}
            onReturn={cashier.startReturn}
            onAction={() => cashier.startExtra('action')}
            onMembership={() => cashier.startExtra('membership')}
            onDonation={() => cashier.startExtra('donation')}
            onReprint={cashier.reprint}
            onCamera={cashier.openCamera}
          />
          <p className="keys-help">{t('app.keys')}</p>
        </div>
      </div>
    </div>
  );
}
