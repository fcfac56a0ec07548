/**
 * The checkout before it is booked: the basket, discounts and amount due, the points it earns and
 * why, the redemption, the member's proof when points are spent, and Confirm (focused: Enter books).
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Quote } from '../../../core/rules/checkout.js';
import type { SpendProof } from '../../../contract/commands.js';
import { LocalNotice } from '../../components/error-notice.js';
import { errorMessageKey } from '../../i18n/error-messages.js';
import { useFormats, useTerminal } from '../terminal-context.js';
import { proofKinds, proofNeeded, type RedeemChoice } from './checkout-plan.js';
import { EarnBreakdown } from './earn-breakdown.js';
import { RedemptionChooser } from './redemption-chooser.js';

export interface PreviewPanelProps {
  readonly quote: Quote;
  readonly redeem: RedeemChoice;
  readonly spendCode: string | null;
  readonly busy: boolean;
  readonly onChoose: (choice: RedeemChoice) => void;
  readonly onConfirm: (proof: SpendProof | undefined) => void;
}

export function PreviewPanel(props: PreviewPanelProps) {
  const { t } = useTranslation();
  const { info } = useTerminal();
  const f = useFormats();
  const { quote } = props;
  const [missingProof, setMissingProof] = useState(false);
  const needed = proofNeeded(quote, info);
  const kinds = proofKinds(info);
  const discountName = (d: Quote['discounts'][number]): string => {
    if (d.source === 'membership') {
      const plan = info.program.plans.find((p) => p.id === d.id);
      return plan ? f.name(plan.name) : d.id;
    }
    const reward = info.program.rewards.find((item) => item.id === d.id);
    return reward ? f.name(reward.name) : t('preview.redeemMoney');
  };
  const confirm = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    if (!needed) return props.onConfirm(undefined);
    const form = new FormData(event.currentTarget);
    const pin = String(form.get('pin') ?? '').trim();
    const cashier = String(form.get('cashier') ?? '').trim();
    const proof: SpendProof | undefined = pin !== '' ? { pin } : props.spendCode !== null ? { spendCode: props.spendCode } : cashier !== '' ? { cashier } : undefined;
    setMissingProof(proof === undefined);
    if (proof !== undefined) props.onConfirm(proof);
  };
  const earned = quote.earn.points + quote.earn.memberBonusDayPoints;
  return (
    <section className="panel panel-preview" aria-labelledby="preview-title" data-screen="preview">
      <h2 id="preview-title">{t('preview.heading')}</h2>
      <table className="totals">
        <tbody>
          <tr>
            <th scope="row">{t('preview.basket')}</th>
            <td>{f.money(quote.basketTotal)}</td>
          </tr>
          {quote.discounts.map((d) => (
            <tr key={`${d.source}-${d.id}`}>
              <th scope="row">{t('preview.discount', { name: discountName(d) })}</th>
              <td>−{f.money(d.amount)}</td>
            </tr>
          ))}
          <tr className="total">
            <th scope="row">{t('preview.amountDue')}</th>
            <td data-testid="preview-amount-due">{f.money(quote.amountDue)}</td>
          </tr>
          <tr className="total">
            <th scope="row">{t('preview.earn')}</th>
            <td data-testid="preview-earned">+{f.points(earned)}</td>
          </tr>
          {quote.redemption.chosen && (
            <tr>
              <th scope="row">{t('preview.redeemed')}</th>
              <td data-testid="preview-redeemed">−{f.points(quote.redemption.chosen.points)}</td>
            </tr>
          )}
          <tr>
            <th scope="row">{t('preview.balanceAfter')}</th>
            <td data-testid="preview-balance-after">{f.points(quote.balanceAfter)}</td>
          </tr>
        </tbody>
      </table>
      <EarnBreakdown quote={quote} />
      <RedemptionChooser quote={quote} choice={props.redeem} busy={props.busy} onChoose={props.onChoose} />
      <form className="confirm-form" onSubmit={confirm}>
        {needed && (
          <fieldset className="proof">
            <legend>{t('preview.proofHeading')}</legend>
            {kinds.includes('pin') && (
              <div className="field">
                <label htmlFor="proof-pin">{t('preview.proofPin')}</label>
                {/* The member types it as soon as points are chosen. */}
                <input id="proof-pin" name="pin" type="password" inputMode="numeric" autoComplete="off" autoFocus />
              </div>
            )}
            {kinds.includes('spend-code') && <p className="hint">{props.spendCode !== null ? t('preview.proofSpendCodeScanned') : t('preview.proofSpendCode')}</p>}
            {kinds.includes('cashier') && (
              <div className="field">
                <label htmlFor="proof-cashier">{t('preview.proofCashier')}</label>
                <input id="proof-cashier" name="cashier" autoComplete="off" {...(kinds[0] === 'cashier' ? { autoFocus: true } : {})} />
              </div>
            )}
          </fieldset>
        )}
        {missingProof && needed && <LocalNotice text={t(errorMessageKey('proof-required'))} />}
        {/* Never disabled while busy: a disabled button drops the focus, and the next Enter would go nowhere (a request in flight ignores a second one). */}
        <button type="submit" className="primary" autoFocus={!needed} aria-busy={props.busy}>
          {t('preview.confirm')}
        </button>
        {props.busy && <p role="status">{t('cashier.working')}</p>}
      </form>
    </section>
  );
}
