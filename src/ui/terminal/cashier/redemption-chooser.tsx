/**
 * How the member uses points on this basket: not at all, points as money (with the program's limits
 * said in full), or a catalogue reward (an unavailable one says why). Each choice is quoted again
 * by the host, so the preview always shows what the host would book.
 */
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Quote } from '../../../core/rules/checkout.js';
import { useFormats, useTerminal } from '../terminal-context.js';
import { NO_REDEMPTION, rewardReason, type RedeemChoice } from './checkout-plan.js';

export function RedemptionChooser(props: { readonly quote: Quote; readonly choice: RedeemChoice; readonly busy: boolean; readonly onChoose: (choice: RedeemChoice) => void }) {
  const { t } = useTranslation();
  const { info } = useTerminal();
  const f = useFormats();
  const { quote, choice, onChoose } = props;
  const r = quote.redemption;
  const pac = r.pointsAsCurrency;
  const share = info.program.pointsAsMoney?.maxBasketShare ?? 100;
  const applyPoints = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const text = String(new FormData(event.currentTarget).get('points') ?? '').trim();
    if (/^\d{1,9}$/.test(text) && Number(text) > 0) onChoose({ kind: 'points', points: Number(text) });
  };
  if (pac === null && r.rewards.length === 0) return null;
  return (
    // Not disabled while a quote is in flight: that would take the focus from the choice the cashier is on.
    <fieldset className="redeem" aria-busy={props.busy}>
      <legend>{t('preview.redeemHeading')}</legend>
      <div className="choice">
        <input type="radio" id="redeem-none" name="redeem" checked={choice.kind === 'none'} onChange={() => onChoose(NO_REDEMPTION)} />
        <label htmlFor="redeem-none">{t('preview.redeemNone')}</label>
      </div>
      {pac !== null && (
        <div className="choice">
          <input
            type="radio"
            id="redeem-points-choice"
            name="redeem"
            checked={choice.kind === 'points'}
            disabled={!pac.available}
            aria-describedby="redeem-limits"
            onChange={() => onChoose({ kind: 'points', points: pac.maximumPoints })}
          />
          <label htmlFor="redeem-points-choice">{t('preview.redeemMoney')}</label>
          <p id="redeem-limits" className="hint">
            {pac.available
              ? t('preview.redeemLimits', { min: f.points(pac.minimumPoints), step: f.points(pac.step), max: f.points(pac.maximumPoints), maxDiscount: f.money(pac.maximumDiscount), share })
              : t('preview.redeemMoneyUnavailable', { balance: f.points(r.balance), min: f.points(Math.max(pac.minimumPoints, pac.step)), cap: f.money(r.cap) })}
          </p>
          {choice.kind === 'points' && (
            <form className="inline-form" onSubmit={applyPoints}>
              <label htmlFor="redeem-points">{t('preview.redeemPointsLabel')}</label>
              <input id="redeem-points" name="points" key={choice.points} defaultValue={String(choice.points)} inputMode="numeric" autoComplete="off" />
              <button type="submit">{t('preview.apply')}</button>
            </form>
          )}
        </div>
      )}
      {r.rewards.map((option) => {
        const reason = option.available ? null : rewardReason(option, quote);
        const id = `redeem-reward-${option.id}`;
        const reward = info.program.rewards.find((item) => item.id === option.id);
        return (
          <div className="choice" key={option.id}>
            <input
              type="radio"
              id={id}
              name="redeem"
              checked={choice.kind === 'reward' && choice.rewardId === option.id}
              disabled={!option.available}
              {...(reason ? { 'aria-describedby': `${id}-reason` } : {})}
              onChange={() => onChoose({ kind: 'reward', rewardId: option.id })}
            />
            <label htmlFor={id}>
              {option.discount > 0
                ? t('preview.redeemReward', { name: reward ? f.name(reward.name) : option.id, points: f.points(option.points), discount: f.money(option.discount) })
                : t('member.rewardLine', { name: reward ? f.name(reward.name) : option.id, points: f.points(option.points) })}
            </label>
            {reason && (
              <p id={`${id}-reason`} className="hint">
                {reason.key === 'preview.reasonInsufficient'
                  ? t(reason.key, { points: f.points(reason.points), balance: f.points(reason.balance) })
                  : reason.key === 'preview.reasonOverCap'
                    ? t(reason.key, { discount: f.money(reason.discount), cap: f.money(reason.cap) })
                    : t(reason.key)}
              </p>
            )}
          </div>
        );
      })}
    </fieldset>
  );
}
