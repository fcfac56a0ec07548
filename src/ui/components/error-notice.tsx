/**
 * A refusal as the cashier reads it: the translated, actionable message for its code, and the
 * host's own words (English, with the figures: "needs 400 points, the member has 120") under
 * "Details" for whoever needs them. Announced to screen readers as it appears.
 */
import { useTranslation } from 'react-i18next';
import type { ContractError } from '../bridge/contract-error.js';
import { errorMessageKey, serverErrorMessageKey } from '../i18n/error-messages.js';

/** Problems listed by an `invalid-input` refusal (the same as the CLI's --json output). */
function problemsOf(error: ContractError): string[] {
  const problems = error.details['problems'];
  return Array.isArray(problems) ? problems.filter((p): p is string => typeof p === 'string').slice(0, 10) : [];
}

/** `where: 'server'`: the refusal came from a call to the chain's server (error-messages.ts, SERVER_ERROR_KEYS). */
export function ErrorNotice({ error, where }: { readonly error: ContractError; readonly where?: 'server' }) {
  const { t } = useTranslation();
  const problems = problemsOf(error);
  const key = where === 'server' ? serverErrorMessageKey(error.code) : errorMessageKey(error.code);
  return (
    <div className="notice notice-error" role="alert" data-error-code={error.code}>
      {/* i18next's key typing gives up on a union this large; every key exists (error-messages.test.ts), and the host's own words are the fallback. */}
      <p className="notice-message">{t(key, { defaultValue: error.message })}</p>
      {error.message !== '' && (
        <details className="notice-details">
          <summary>{t('errors.details')}</summary>
          <p>{error.message}</p>
          {problems.length > 0 && (
            <ul>
              {problems.map((problem) => (
                <li key={problem}>{problem}</li>
              ))}
            </ul>
          )}
        </details>
      )}
    </div>
  );
}

/** A problem the screen found itself (a typed amount it cannot read), already translated. */
export function LocalNotice({ text, id }: { readonly text: string; readonly id?: string }) {
  return (
    <div className="notice notice-error" role="alert" {...(id ? { id } : {})}>
      <p className="notice-message">{text}</p>
    </div>
  );
}
