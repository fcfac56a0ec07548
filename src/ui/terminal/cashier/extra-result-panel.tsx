/** A booked action bonus, membership sale or donation: what was booked, the new balance, the slip on its way. */
import { useTranslation } from 'react-i18next';
import { useFocusOnMount } from '../../components/use-focus.js';
import { useFormats, useTerminal } from '../terminal-context.js';
import type { ExtraBooked } from './use-cashier.js';

export function ExtraResultPanel({ booked }: { readonly booked: ExtraBooked }) {
  const { t } = useTranslation();
  const { info } = useTerminal();
  const f = useFormats();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const nameOf = (list: readonly { readonly id: string; readonly name: { readonly en: string; readonly ko: string } }[], id: string): string => {
    const item = list.find((x) => x.id === id);
    return item ? f.name(item.name) : id;
  };
  const { receipt } = booked;
  const line =
    booked.kind === 'action'
      ? t('counter.actionDone', { name: nameOf(info.program.actions, booked.actionId), points: f.points(booked.receipt.points) })
      : booked.kind === 'donation'
        ? t('counter.donationDone', { name: nameOf(info.program.charities, booked.charityId), points: f.points(booked.receipt.points) })
        : booked.receipt.endsAt === null
          ? t('counter.membershipDoneLifetime', { name: nameOf(info.program.plans, booked.receipt.planId), fee: f.money(booked.receipt.fee) })
          : t('counter.membershipDone', { name: nameOf(info.program.plans, booked.receipt.planId), fee: f.money(booked.receipt.fee), date: f.date(booked.receipt.endsAt - 1) });
  return (
    <section className="panel panel-result" aria-labelledby="extra-done-title" data-screen="extra-done" data-kind={booked.kind}>
      <h2 id="extra-done-title" ref={heading} tabIndex={-1}>
        {t('counter.bookedHeading')}
      </h2>
      {receipt.replayed && (
        <p className="notice" role="status">
          {t('counter.replayed')}
        </p>
      )}
      <p data-testid="extra-done-line">{line}</p>
      <table className="totals">
        <tbody>
          <tr>
            <th scope="row">{t('result.txn')}</th>
            <td data-testid="extra-done-txn">{receipt.txnId}</td>
          </tr>
          <tr className="total">
            <th scope="row">{t('result.balance')}</th>
            <td data-testid="extra-done-balance">{f.points(receipt.balance)}</td>
          </tr>
        </tbody>
      </table>
      <p className="hint">{t('counter.slipPrinting', { txn: receipt.txnId })}</p>
    </section>
  );
}
