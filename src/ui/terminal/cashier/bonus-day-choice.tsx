/**
 * The member's own bonus days (a tier's triple-points day, chosen by the member a few times a year)
 * on the previewed basket: each with what is left this year, or why it cannot be used; F3 (or the
 * checkbox) uses the first available one on this basket, and again stops using it.
 */
import { useTranslation } from 'react-i18next';
import type { Quote } from '../../../core/rules/checkout.js';
import { useKey } from '../../components/use-key.js';
import { useFormats, useTerminal } from '../terminal-context.js';

export function BonusDayChoice({ quote, chosen, busy, onToggle }: { readonly quote: Quote; readonly chosen: string | undefined; readonly busy: boolean; readonly onToggle: (id: string) => void }) {
  const { t } = useTranslation();
  const { info } = useTerminal();
  const f = useFormats();
  const options = quote.bonusDays.memberChoice;
  const first = options.find((o) => o.id === chosen) ?? options.find((o) => o.available);
  useKey('F3', () => {
    if (first !== undefined && !busy) onToggle(first.id);
  });
  if (options.length === 0) return null;
  const name = (id: string): string => {
    const day = info.program.bonusDays.find((d) => d.id === id);
    return day ? f.name(day.name) : id;
  };
  return (
    <fieldset className="choices bonus-days" data-testid="bonus-days">
      <legend>{t('counter.bonusDayHeading')}</legend>
      {options.map((option) => (
        <div key={option.id} className="choice">
          <input type="checkbox" id={`bonus-day-${option.id}`} checked={chosen === option.id} disabled={!option.available || busy} onChange={() => onToggle(option.id)} />
          <label htmlFor={`bonus-day-${option.id}`}>
            {t('counter.bonusDayLine', { name: name(option.id), multiplier: option.multiplier, left: option.left })}
            {option.id === first?.id && option.available && <kbd>F3</kbd>}
          </label>
          {!option.available && <p className="hint">{t('counter.bonusDayUnavailable')}</p>}
        </div>
      ))}
    </fieldset>
  );
}
