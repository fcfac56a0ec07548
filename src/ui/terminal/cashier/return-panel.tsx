/**
 * A return by the original sale: its POS transaction number from the slip (typed, or a receipt
 * barcode scanned with the keyboard-wedge scanner: on this form a scan fills the field) and the amount refunded (empty: the whole sale, or
 * what is left of it). Enter books it; the host takes back the points that part of the sale earned.
 */
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { minorDigits } from '../../../core/money.js';
import { LocalNotice } from '../../components/error-notice.js';
import { amountExample, type AmountProblem } from '../../i18n/format.js';
import { useTerminal } from '../terminal-context.js';
import { AMOUNT_PROBLEM_KEYS } from './amount-form.js';

export interface ReturnPanelProps {
  readonly originalTxnId: string;
  readonly busy: boolean;
  readonly problem: AmountProblem | 'return-txn' | null;
  readonly onSubmit: (originalTxnId: string, amountText: string) => void;
}

export function ReturnPanel(props: ReturnPanelProps) {
  const { t } = useTranslation();
  const { info } = useTerminal();
  const currency = info.program.currency;
  const example = amountExample(currency);
  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    props.onSubmit(String(form.get('original') ?? ''), String(form.get('refund') ?? ''));
  };
  const amountProblem = props.problem !== null && props.problem !== 'return-txn' ? props.problem : null;
  return (
    <form className="panel panel-return" onSubmit={submit} aria-labelledby="return-title" data-screen="return">
      <h2 id="return-title">{t('counter.returnHeading')}</h2>
      <p className="hint">{t('counter.returnHint')}</p>
      <div className="field">
        <label htmlFor="return-original">{t('counter.returnOriginal')}</label>
        {/* Keyed by the scanned number: a scan replaces what was typed. */}
        <input key={props.originalTxnId} id="return-original" name="original" defaultValue={props.originalTxnId} autoFocus autoComplete="off" spellCheck={false} aria-invalid={props.problem === 'return-txn'} />
      </div>
      {props.problem === 'return-txn' && <LocalNotice text={t('counter.returnOriginalMissing')} />}
      <div className="field">
        <label htmlFor="return-amount">{t('counter.returnAmount', { currency })}</label>
        <input id="return-amount" name="refund" autoComplete="off" inputMode={minorDigits(currency) === 0 ? 'numeric' : 'decimal'} spellCheck={false} aria-describedby="return-amount-hint" aria-invalid={amountProblem !== null} />
        <p id="return-amount-hint" className="hint">
          {t('counter.returnAmountHint', { example })}
        </p>
      </div>
      {amountProblem !== null && amountProblem !== 'empty' && <LocalNotice text={t(AMOUNT_PROBLEM_KEYS[amountProblem], { example, currency, digits: minorDigits(currency) })} />}
      <button type="submit" className="primary" aria-busy={props.busy}>
        {t('counter.returnSubmit')}
      </button>
      {props.busy && <p role="status">{t('cashier.working')}</p>}
    </form>
  );
}
