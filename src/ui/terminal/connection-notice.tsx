/** What the screen says when it cannot reach the terminal host, and what to do about it. */
import { useTranslation } from 'react-i18next';
import type { ConnectionState } from '../bridge/bridge.js';

export function ConnectionNotice({ state }: { readonly state: Exclude<ConnectionState, 'open'> }) {
  const { t } = useTranslation();
  if (state === 'connecting') return <p role="status" className="notice">{t('connection.connecting')}</p>;
  const [title, body] = state === 'unauthorised' ? (['connection.unauthorisedTitle', 'connection.unauthorisedBody'] as const) : (['connection.unreachableTitle', 'connection.unreachableBody'] as const);
  return (
    <div className="notice notice-error notice-blocking" role="alert" data-testid="connection-notice" data-state={state}>
      <p className="notice-message">{t(title)}</p>
      <p>{t(body)}</p>
    </div>
  );
}
