/** The booked return: the points taken back (and any spent points given back), the member's new balance, the slip on its way. */
import { useTranslation } from 'react-i18next';
import type { ReturnReceipt } from '../../../contract/results.js';
import { useFocusOnMount } from '../../components/use-focus.js';
import { useFormats } from '../terminal-context.js';

export function ReturnResultPanel({ receipt }: { readonly receipt: ReturnReceipt }) {
  const { t } = useTranslation();
  const f = useFormats();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  return (
    <section className="panel panel-result" aria-labelledby="return-done-title" data-screen="return-done">
      <h2 id="return-done-title" ref={heading} tabIndex={-1}>
        {receipt.fullyReturned ? t('counter.returnDoneFull') : t('counter.returnDone')}
      </h2>
      {receipt.replayed && (
        <p className="notice" role="status">
          {t('counter.replayed')}
        </p>
      )}
      <table className="totals">
        <tbody>
          <tr>
            <th scope="row">{t('counter.returnOf')}</th>
            <td data-testid="return-original">{receipt.originalTxnId}</td>
          </tr>
          <tr>
            <th scope="row">{t('counter.returnTxn')}</th>
            <td data-testid="return-txn">{receipt.txnId}</td>
          </tr>
          <tr>
            <th scope="row">{t('counter.returnTaken')}</th>
            <td data-testid="return-taken">−{f.points(receipt.pointsCollected)}</td>
          </tr>
          {receipt.redeemedRestored > 0 && (
            <tr>
              <th scope="row">{t('counter.returnRestored')}</th>
              <td data-testid="return-restored">+{f.points(receipt.redeemedRestored)}</td>
            </tr>
          )}
          {receipt.pointsUncollected > 0 && (
            <tr>
              <th scope="row">{t('counter.returnUncollected')}</th>
              <td>{f.points(receipt.pointsUncollected)}</td>
            </tr>
          )}
          <tr className="total">
            <th scope="row">{t('result.balance')}</th>
            <td data-testid="return-balance">{f.points(receipt.balance)}</td>
          </tr>
        </tbody>
      </table>
      <p className="hint">{t('counter.slipPrinting', { txn: receipt.txnId })}</p>
    </section>
  );
}
