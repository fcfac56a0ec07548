/** The basket amount in the store's currency, focused as soon as the member is shown: digits, then Enter. */
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { minorDigits } from '../../../core/money.js';
import { LocalNotice } from '../../components/error-notice.js';
import { amountExample, type AmountProblem } from '../../i18n/format.js';
import { useTerminal } from '../terminal-context.js';

export const AMOUNT_PROBLEM_KEYS = {
  empty: 'amount.empty',
  'not-a-number': 'amount.notANumber',
  'too-many-decimals': 'amount.tooManyDecimals',
  zero: 'amount.zero',
  'too-large': 'amount.tooLarge',
} as const satisfies Record<AmountProblem, string>;

export function AmountForm(props: { readonly initial: string; readonly busy: boolean; readonly problem: AmountProblem | null; readonly onSubmit: (text: string) => void }) {
  const { t } = useTranslation();
  const { info } = useTerminal();
  const currency = info.program.currency;
  const example = amountExample(currency);
  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    props.onSubmit(String(new FormData(event.currentTarget).get('amount') ?? ''));
  };
  return (
    <form className="panel panel-amount" onSubmit={submit} aria-labelledby="amount-label" data-screen="amount">
      <label id="amount-label" htmlFor="amount" className="field-label-large">
        {t('amount.label', { currency })}
      </label>
      <input
        id="amount"
        name="amount"
        className="amount-input"
        defaultValue={props.initial}
        // Autofocus is the point here: the amount is the one thing to type next.
        autoFocus
        autoComplete="off"
        inputMode={minorDigits(currency) === 0 ? 'numeric' : 'decimal'}
        spellCheck={false}
        aria-describedby={props.problem ? 'amount-hint amount-problem' : 'amount-hint'}
        aria-invalid={props.problem !== null}
      />
      <p id="amount-hint" className="hint">
        {t('amount.hint', { example })}
      </p>
      {props.problem && <LocalNotice id="amount-problem" text={t(AMOUNT_PROBLEM_KEYS[props.problem], { example, currency, digits: minorDigits(currency) })} />}
      <button type="submit" disabled={props.busy}>
        {props.busy ? t('cashier.working') : t('amount.submit')}
      </button>
    </form>
  );
}
