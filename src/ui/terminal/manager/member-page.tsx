/**
 * One member as a manager sees them: details, balance, tier, an adjustment with a reason, their
 * history, and what a manager may change (details, PIN) or do at their request (erase).
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { MemberSummary } from '../../../contract/member-summary.js';
import type { ContractError } from '../../bridge/contract-error.js';
import { ErrorNotice, LocalNotice } from '../../components/error-notice.js';
import { useFocusOnMount } from '../../components/use-focus.js';
import { newTxnId } from '../cashier/checkout-plan.js';
import { useFormats, useTerminal } from '../terminal-context.js';
import { parseAdjustment, type AdjustProblem } from './adjust-points.js';
import { MemberDetailsForm } from './member-details-form.js';
import { MemberErase } from './member-erase.js';
import { MemberHistory } from './member-history.js';
import { MemberPinReset } from './member-pin-reset.js';
import { asContractError, type SessionCall } from './use-manager-session.js';

const PROBLEM_KEYS = { points: 'members.adjustBadPoints', reason: 'members.adjustShortReason' } as const satisfies Record<AdjustProblem, string>;

interface Booked {
  readonly txnId: string;
  readonly points: number;
  readonly balance: number;
}

export function MemberPage({ member: found, call, onBack }: { readonly member: MemberSummary; readonly call: SessionCall; readonly onBack: () => void }) {
  const { t } = useTranslation();
  const { info } = useTerminal();
  const f = useFormats();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  // What the last answer about the member said (an update, a new PIN, an erasure): the page shows that.
  const [member, setMember] = useState(found);
  const [balance, setBalance] = useState(found.balance);
  // One id per adjustment: sending it again after a lost answer books it once (the host's idempotency).
  const [txnId, setTxnId] = useState(newTxnId);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<AdjustProblem | null>(null);
  const [error, setError] = useState<ContractError | null>(null);
  const [booked, setBooked] = useState<Booked | null>(null);
  const card = member.cards[0];
  const tier = member.tier ? info.program.tiers.find((level) => level.id === member.tier?.tier) : undefined;

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    if (card === undefined) return;
    const form = event.currentTarget;
    const data = new FormData(form);
    const parsed = parseAdjustment(String(data.get('points') ?? ''), String(data.get('reason') ?? ''));
    setError(null);
    if (!parsed.ok) {
      setProblem(parsed.problem);
      return;
    }
    setProblem(null);
    setBusy(true);
    call('adjust', { card, points: parsed.points, reason: parsed.reason, txnId }).then(
      (result) => {
        setBalance(result.balance);
        setBooked({ txnId: result.txnId, points: parsed.points, balance: result.balance });
        setTxnId(newTxnId());
        form.reset();
        setBusy(false);
      },
      (failure: unknown) => {
        setError(asContractError(failure));
        setBusy(false);
      },
    );
  };

  return (
    <section className="panel" aria-labelledby="member-page-title" data-screen="manager-member">
      <h2 id="member-page-title" ref={heading} tabIndex={-1}>
        {t('members.pageTitle', { id: member.memberId })}
      </h2>
      <p>
        <button type="button" onClick={onBack}>
          {t('members.backToResults')}
        </button>
      </p>
      {member.erasedAt !== null && (
        <p className="notice" role="status" data-testid="member-erased">
          {t('member.erased')}
        </p>
      )}
      <dl className="facts">
        <div>
          <dt>{t('member.name')}</dt>
          <dd data-testid="manager-member-name">{member.name ?? t('member.noName')}</dd>
        </div>
        <div>
          <dt>{t('member.card')}</dt>
          <dd>{member.cards.length === 0 ? t('members.noValue') : member.cards.join(', ')}</dd>
        </div>
        <div>
          <dt>{t('members.phone')}</dt>
          <dd>{member.phone ?? t('members.noValue')}</dd>
        </div>
        <div>
          <dt>{t('members.enrolled')}</dt>
          <dd>{f.date(member.enrolledAt)}</dd>
        </div>
        <div className="fact-large">
          <dt>{t('member.balance')}</dt>
          <dd data-testid="manager-member-balance">{f.points(balance)}</dd>
        </div>
        <div>
          <dt>{t('member.tier')}</dt>
          <dd>{tier ? f.name(tier.name) : (member.tier?.tier ?? t('members.noValue'))}</dd>
        </div>
      </dl>
      {card !== undefined && (
        <form className="stacked-form" onSubmit={submit} aria-labelledby="adjust-title" data-testid="adjust-form">
          <h3 id="adjust-title">{t('members.adjustTitle')}</h3>
          {booked && (
            <p className="notice notice-ok" role="status" data-testid="adjust-booked" data-txn={booked.txnId}>
              {t('members.adjusted', { txn: booked.txnId, points: `${booked.points > 0 ? '+' : ''}${f.points(booked.points)}`, balance: f.points(booked.balance) })}
            </p>
          )}
          {error && <ErrorNotice key={`${error.code}:${error.message}`} error={error} />}
          {problem && <LocalNotice id="adjust-problem" text={t(PROBLEM_KEYS[problem])} />}
          <label htmlFor="adjust-points">{t('members.adjustPoints')}</label>
          <input id="adjust-points" name="points" autoComplete="off" spellCheck={false} inputMode="numeric" aria-invalid={problem === 'points'} />
          <label htmlFor="adjust-reason">{t('members.adjustReason')}</label>
          <input id="adjust-reason" name="reason" autoComplete="off" maxLength={500} aria-invalid={problem === 'reason'} />
          <button type="submit" disabled={busy}>
            {busy ? t('manager.working') : t('members.adjustSubmit')}
          </button>
        </form>
      )}
      {card !== undefined && <MemberHistory card={card} call={call} refresh={booked?.txnId ?? ''} />}
      <MemberDetailsForm member={member} call={call} onSaved={setMember} />
      <MemberPinReset member={member} call={call} onSaved={setMember} />
      <MemberErase
        member={member}
        call={call}
        onErased={(erased) => {
          setMember(erased);
          heading.current?.focus();
        }}
      />
    </section>
  );
}
