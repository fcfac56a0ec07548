/** The booked checkout: what the host recorded (never what the preview expected), the new balance, and what next. */
import { useTranslation } from 'react-i18next';
import type { CheckoutReceipt } from '../../../contract/results.js';
import { useFocusOnMount } from '../../components/use-focus.js';
import { useFormats } from '../terminal-context.js';

export function ResultPanel({ receipt }: { readonly receipt: CheckoutReceipt }) {
  const { t } = useTranslation();
  const f = useFormats();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const discount = receipt.redeemed?.discount ?? 0;
  return (
    <section className="panel panel-result" aria-labelledby="result-title" data-screen="result">
      <h2 id="result-title" ref={heading} tabIndex={-1}>
        {t('result.heading')}
      </h2>
      {receipt.replayed && (
        <p className="notice" role="status" data-testid="result-replayed">
          {t('result.replayed')}
        </p>
      )}
      <table className="totals">
        <tbody>
          <tr>
            <th scope="row">{t('result.txn')}</th>
            <td data-testid="result-txn">{receipt.txnId}</td>
          </tr>
          <tr>
            <th scope="row">{t('result.amountDue')}</th>
            <td>{f.money(receipt.amountDue)}</td>
          </tr>
          {receipt.redeemed && (
            <>
              <tr>
                <th scope="row">{t('result.redeemed')}</th>
                <td data-testid="result-redeemed">−{f.points(receipt.redeemed.points)}</td>
              </tr>
              <tr>
                <th scope="row">{t('result.discount')}</th>
                <td>−{f.money(discount)}</td>
              </tr>
            </>
          )}
          <tr>
            <th scope="row">{t('result.earned')}</th>
            <td data-testid="result-earned">+{f.points(receipt.earned)}</td>
          </tr>
          <tr className="total">
            <th scope="row">{t('result.balance')}</th>
            <td data-testid="result-balance">{f.points(receipt.balance)}</td>
          </tr>
        </tbody>
      </table>
      <p className="hint">{t('result.next')}</p>
    </section>
  );
}
