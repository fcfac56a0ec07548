/**
 * The member's other counter functions, each a small form with its choice focused: an action bonus
 * (newsletter, review …, with the reference a per-reference action needs), a paid membership sold
 * or renewed at its price, and points donated to one of the program's charities (with the member's
 * PIN, or the checking cashier, where the program asks for a proof). Enter books; Esc goes back.
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { SpendProof } from '../../../contract/commands.js';
import type { MemberSummary } from '../../../contract/member-summary.js';
import { LocalNotice } from '../../components/error-notice.js';
import { useFormats, useTerminal } from '../terminal-context.js';
import { proofKinds } from './checkout-plan.js';
import type { ExtraKind } from './use-cashier.js';

export interface ExtraPanelProps {
  readonly extra: ExtraKind;
  readonly member: MemberSummary;
  readonly busy: boolean;
  readonly pointsProblem: boolean;
  /** The member's spend code, scanned while the donation form is open. */
  readonly spendCode: string | null;
  readonly onAction: (actionId: string, reference: string | undefined) => void;
  readonly onMembership: (planId: string) => void;
  readonly onDonate: (charityId: string, pointsText: string, proof: SpendProof | undefined) => void;
}

function field(form: FormData, name: string): string {
  return String(form.get(name) ?? '').trim();
}

export function ExtraPanel(props: ExtraPanelProps) {
  const { t } = useTranslation();
  const { info } = useTerminal();
  const f = useFormats();
  const { actions, charities, planPrices } = info.program;
  const [actionId, setActionId] = useState(actions[0]?.id ?? '');
  const needsReference = actions.find((a) => a.id === actionId)?.limit === 'per-reference';
  const kinds = proofKinds(info);

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    if (props.extra === 'action') {
      const reference = field(form, 'reference');
      props.onAction(field(form, 'action'), reference === '' ? undefined : reference);
    } else if (props.extra === 'membership') {
      props.onMembership(field(form, 'plan'));
    } else {
      const points = field(form, 'points');
      const pin = field(form, 'pin');
      const cashier = field(form, 'cashier');
      // None given: within the program's no-proof allowance the host takes it, above it the host says a proof is needed.
      const proof: SpendProof | undefined = pin !== '' ? { pin } : cashier !== '' ? { cashier } : undefined;
      props.onDonate(field(form, 'charity'), points, proof);
    }
  };

  const planName = (id: string): string => {
    const plan = info.program.plans.find((p) => p.id === id);
    return plan ? f.name(plan.name) : id;
  };
  const periodKey = { monthly: 'counter.periodMonthly', annual: 'counter.periodAnnual', lifetime: 'counter.periodLifetime' } as const;

  return (
    <form className="panel panel-extra" onSubmit={submit} aria-labelledby="extra-title" data-screen={props.extra}>
      <h2 id="extra-title">{props.extra === 'action' ? t('counter.actionHeading') : props.extra === 'membership' ? t('counter.membershipHeading') : t('counter.donationHeading')}</h2>
      {props.extra === 'action' &&
        (actions.length === 0 ? (
          <p>{t('counter.noActions')}</p>
        ) : (
          <>
            <fieldset className="choices">
              <legend>{t('counter.actionChoose')}</legend>
              {actions.map((action, i) => (
                <div key={action.id} className="choice">
                  <input type="radio" id={`action-${action.id}`} name="action" value={action.id} checked={actionId === action.id} onChange={() => setActionId(action.id)} autoFocus={i === 0} />
                  <label htmlFor={`action-${action.id}`}>{t('counter.actionLine', { name: f.name(action.name), points: f.points(action.points) })}</label>
                </div>
              ))}
            </fieldset>
            {needsReference && (
              <div className="field">
                <label htmlFor="action-reference">{t('counter.actionReference')}</label>
                <input id="action-reference" name="reference" autoComplete="off" spellCheck={false} required aria-describedby="action-reference-hint" />
                <p id="action-reference-hint" className="hint">
                  {t('counter.actionReferenceHint')}
                </p>
              </div>
            )}
          </>
        ))}
      {props.extra === 'membership' &&
        (planPrices.length === 0 ? (
          <p>{t('counter.noPlans')}</p>
        ) : (
          <fieldset className="choices">
            <legend>{t('counter.membershipChoose')}</legend>
            {planPrices.map((plan, i) => (
              <div key={plan.id} className="choice">
                <input type="radio" id={`plan-${plan.id}`} name="plan" value={plan.id} defaultChecked={props.member.membership ? props.member.membership.planId === plan.id : i === 0} autoFocus={i === 0} />
                <label htmlFor={`plan-${plan.id}`}>
                  {t(props.member.membership?.planId === plan.id ? 'counter.membershipRenewLine' : 'counter.membershipLine', { name: planName(plan.id), price: f.money(plan.fee), period: t(periodKey[plan.period]) })}
                </label>
              </div>
            ))}
          </fieldset>
        ))}
      {props.extra === 'donation' &&
        (charities.length === 0 ? (
          <p>{t('counter.noCharities')}</p>
        ) : (
          <>
            <div className="field">
              <label htmlFor="donation-charity">{t('counter.donationCharity')}</label>
              <select id="donation-charity" name="charity" autoFocus>
                {charities.map((charity) => (
                  <option key={charity.id} value={charity.id}>
                    {f.name(charity.name)}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="donation-points">{t('counter.donationPoints', { balance: f.points(props.member.balance) })}</label>
              <input id="donation-points" name="points" inputMode="numeric" autoComplete="off" spellCheck={false} aria-invalid={props.pointsProblem} />
            </div>
            {props.pointsProblem && <LocalNotice text={t('counter.donationPointsProblem')} />}
            {kinds.length > 0 && (
              <fieldset className="proof">
                <legend>{t('preview.proofHeading')}</legend>
                {kinds.includes('pin') && (
                  <div className="field">
                    <label htmlFor="donation-pin">{t('preview.proofPin')}</label>
                    <input id="donation-pin" name="pin" type="password" inputMode="numeric" autoComplete="off" />
                  </div>
                )}
                {kinds.includes('spend-code') && <p className="hint">{props.spendCode !== null ? t('preview.proofSpendCodeScanned') : t('preview.proofSpendCode')}</p>}
                {kinds.includes('cashier') && (
                  <div className="field">
                    <label htmlFor="donation-cashier">{t('preview.proofCashier')}</label>
                    <input id="donation-cashier" name="cashier" autoComplete="off" />
                  </div>
                )}
              </fieldset>
            )}
          </>
        ))}
      <button type="submit" className="primary" aria-busy={props.busy}>
        {t('counter.book')}
      </button>
      {props.busy && <p role="status">{t('cashier.working')}</p>}
    </form>
  );
}
