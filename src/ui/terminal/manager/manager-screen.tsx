/**
 * The manager screen (`#/manager`): a terminal with no manager yet offers to add the first; then a
 * login, and once logged in, the members (search, a member's page, adjustments), the dashboard,
 * the devices (printers, scanners, the print queue), the program in force, the managers, and sync
 * with end of day.
 */
import { lazy, Suspense, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ContractError } from '../../bridge/contract-error.js';
import { ErrorNotice } from '../../components/error-notice.js';
import { Dashboard } from './dashboard.js';
import { useTerminal } from '../terminal-context.js';
import { FirstManagerForm } from './first-manager-form.js';
import { LoginForm } from './login-form.js';
import { MemberSearch } from './member-search.js';
import { SyncPanel } from './sync-panel.js';
import { asContractError, useManagerSession } from './use-manager-session.js';

// The sections a manager opens now and then load when first opened: a cashier's screen never needs them.
const DevicesSection = lazy(() => import('./devices-section.js').then((m) => ({ default: m.DevicesSection })));
const ProgramSection = lazy(() => import('./program-section.js').then((m) => ({ default: m.ProgramSection })));
const ManagersSection = lazy(() => import('./managers-section.js').then((m) => ({ default: m.ManagersSection })));

type Roles = { readonly kind: 'checking' } | { readonly kind: 'none' } | { readonly kind: 'some'; readonly added: string | null } | { readonly kind: 'failed'; readonly error: ContractError };

export function ManagerScreen() {
  const { t } = useTranslation();
  const { api } = useTerminal();
  const { session, ended, begin, logout, call } = useManagerSession();
  const [roles, setRoles] = useState<Roles>({ kind: 'checking' });
  const [section, setSection] = useState<'members' | 'dashboard' | 'devices' | 'program' | 'managers' | 'sync'>('members');

  useEffect(() => {
    let current = true;
    api.send('manager-status', {}).then(
      (status) => {
        if (current) setRoles(status.managers === 0 ? { kind: 'none' } : { kind: 'some', added: null });
      },
      (failure: unknown) => {
        if (current) setRoles({ kind: 'failed', error: asContractError(failure) });
      },
    );
    return () => {
      current = false;
    };
  }, [api]);

  // What ended the last session says more than an addition made before it.
  const notice = ended === 'ended' ? t('manager.sessionEnded') : ended === 'logged-out' ? t('manager.loggedOut') : roles.kind === 'some' && roles.added !== null ? t('manager.firstDone', { id: roles.added }) : null;

  return (
    <div className="manager" data-session={session === null ? 'none' : 'open'}>
      <h1 className="screen-title">{t('manager.heading')}</h1>
      {session !== null ? (
        <>
          <p className="inline-form">
            <span data-testid="manager-identity">{t('manager.loggedInAs', { name: session.manager.name, id: session.manager.id })}</span>
            <button type="button" onClick={() => void logout()}>
              {t('manager.logout')}
            </button>
          </p>
          <nav aria-label={t('managerNav.label')} className="inline-form">
            {(['members', 'dashboard', 'devices', 'program', 'managers', 'sync'] as const).map((name) => (
              <button key={name} type="button" aria-pressed={section === name} onClick={() => setSection(name)}>
                {t(`managerNav.${name}`)}
              </button>
            ))}
          </nav>
          {section === 'members' && <MemberSearch call={call} />}
          {section === 'dashboard' && <Dashboard call={call} />}
          {section === 'sync' && <SyncPanel call={call} />}
          <Suspense fallback={<p role="status">{t('manager.working')}</p>}>
            {section === 'devices' && <DevicesSection call={call} />}
            {section === 'program' && <ProgramSection call={call} />}
            {section === 'managers' && <ManagersSection call={call} me={session.manager.id} />}
          </Suspense>
        </>
      ) : roles.kind === 'checking' ? (
        <p role="status">{t('manager.checking')}</p>
      ) : roles.kind === 'failed' ? (
        <ErrorNotice error={roles.error} />
      ) : roles.kind === 'none' ? (
        <FirstManagerForm onAdded={(id) => setRoles({ kind: 'some', added: id })} />
      ) : (
        <LoginForm
          initialId={roles.added ?? ''}
          notice={notice}
          onLoggedIn={(next) => {
            // Each session starts at the members, whoever logs in and wherever the last one was.
            setSection('members');
            begin(next);
          }}
        />
      )}
    </div>
  );
}
