/**
 * Enrolment at the counter: the card already scanned, then name, phone, birthday, the member's PIN
 * (when the program takes one) and consent; Enter in any field enrols. The host validates every
 * field (src/contract/commands.ts enrolArgs) and says what to fix.
 */
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { EnrolArgs } from '../../../contract/commands.js';
import { useTerminal } from '../terminal-context.js';
import { takesReferral } from './checkout-plan.js';

function text(form: FormData, name: string): string | undefined {
  const value = String(form.get(name) ?? '').trim();
  return value === '' ? undefined : value;
}

export function EnrolForm({ card, referredBy, busy, onSubmit, onBack }: { readonly card: string; readonly referredBy: string; readonly busy: boolean; readonly onSubmit: (args: EnrolArgs) => void; readonly onBack: () => void }) {
  const { t } = useTranslation();
  const { info } = useTerminal();
  const takesPin = info.program.spendProofs.includes('pin');
  const referral = takesReferral(info);
  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const [name, phone, birthday, pin, referrer] = [text(form, 'name'), text(form, 'phone'), text(form, 'birthday'), text(form, 'pin'), text(form, 'referredBy')];
    onSubmit({
      cards: [text(form, 'card') ?? card],
      ...(name !== undefined ? { name } : {}),
      ...(phone !== undefined ? { phone } : {}),
      ...(birthday !== undefined ? { birthday } : {}),
      ...(pin !== undefined ? { pin } : {}),
      ...(referrer !== undefined ? { referredBy: referrer } : {}),
      marketingConsent: form.get('consent') === 'yes',
    });
  };
  const optional = <span className="optional">{t('enrol.optional')}</span>;
  return (
    <form className="panel panel-enrol" onSubmit={submit} aria-labelledby="enrol-title" data-screen="enrol">
      <h2 id="enrol-title">{t('enrol.heading')}</h2>
      <div className="field">
        <label htmlFor="enrol-card">{t('enrol.card')}</label>
        <input id="enrol-card" name="card" defaultValue={card} autoComplete="off" spellCheck={false} />
      </div>
      <div className="field">
        <label htmlFor="enrol-name">
          {t('enrol.name')} {optional}
        </label>
        {/* The name is what the cashier asks first. */}
        <input id="enrol-name" name="name" autoComplete="off" autoFocus />
      </div>
      <div className="field">
        <label htmlFor="enrol-phone">
          {t('enrol.phone')} {optional}
        </label>
        <input id="enrol-phone" name="phone" type="tel" autoComplete="off" />
      </div>
      <div className="field">
        <label htmlFor="enrol-birthday">
          {t('enrol.birthday')} {optional}
        </label>
        <input id="enrol-birthday" name="birthday" autoComplete="off" inputMode="numeric" />
      </div>
      {referral && (
        <div className="field">
          <label htmlFor="enrol-referred-by">
            {t('counter.referredBy')} {optional}
          </label>
          {/* Keyed by a scanned card: on this form a scan is the referrer's card. */}
          <input key={referredBy} id="enrol-referred-by" name="referredBy" defaultValue={referredBy} autoComplete="off" spellCheck={false} inputMode="numeric" aria-describedby="enrol-referred-by-hint" />
          <p id="enrol-referred-by-hint" className="hint">
            {t('counter.referredByHint')}
          </p>
        </div>
      )}
      {takesPin && (
        <div className="field">
          <label htmlFor="enrol-pin">
            {t('enrol.pin')} {optional}
          </label>
          <input id="enrol-pin" name="pin" type="password" inputMode="numeric" autoComplete="off" />
        </div>
      )}
      <div className="field field-check">
        <input id="enrol-consent" name="consent" type="checkbox" value="yes" />
        <label htmlFor="enrol-consent">{t('enrol.consent')}</label>
      </div>
      <div className="actions">
        <button type="submit" className="primary" aria-busy={busy}>
          {busy ? t('enrol.saving') : t('enrol.submit')}
        </button>
        <button type="button" onClick={onBack}>
          {t('cashier.back')}
        </button>
      </div>
    </form>
  );
}
