/**
 * The cashier screen's one line for the customer display: each time what the customer should see
 * changes (customer-view-of.ts), the host is told (`customer-view-show`) and pushes it to the
 * display. Again on every reconnection (a restarted host starts idle), and idle when the cashier
 * screen goes away. A display that cannot be told is no reason to trouble the cashier: a refusal
 * is only logged to the console.
 */
import { useEffect, useMemo } from 'react';
import { IDLE_VIEW, type CustomerView } from '../../../contract/customer-view.js';
import { useTerminal } from '../terminal-context.js';
import { useConnectionState } from '../use-host.js';
import { customerViewOf, type CashierStep } from './customer-view-of.js';

export function useCustomerFeed(phase: CashierStep): void {
  const { api } = useTerminal();
  const connection = useConnectionState(api);
  // The view as text: a new phase object with the same view (a re-render) sends nothing.
  const text = useMemo(() => JSON.stringify(customerViewOf(phase)), [phase]);
  useEffect(() => {
    if (connection !== 'open') return;
    api.send('customer-view-show', { view: JSON.parse(text) as CustomerView }).catch((error: unknown) => console.warn(`tally: the customer display was not updated: ${String(error)}`));
  }, [api, connection, text]);
  useEffect(
    () => () => {
      if (api.state === 'open') api.send('customer-view-show', { view: IDLE_VIEW }).catch(() => undefined);
    },
    [api],
  );
}
