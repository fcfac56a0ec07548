/**
 * The cashier's flow as state: waiting for a scan → the member and the basket amount → the preview
 * (quote, redemption, proof) → the booked checkout; or an unknown card → enrolment. Every step
 * that reaches the host goes through the bridge and shows its refusal; one request at a time.
 *
 * The POS transaction id is made when the member is found and kept for that basket: whatever
 * happens to a `checkout-commit` (refused, or the connection lost before the answer), confirming
 * again sends the same id, and the host books it at most once.
 */
import { useCallback, useRef, useState } from 'react';
import { amountBasket, type Basket } from '../../../core/basket.js';
import type { Quote } from '../../../core/rules/checkout.js';
import type { EnrolArgs, SpendProof } from '../../../contract/commands.js';
import type { MemberSummary } from '../../../contract/member-summary.js';
import type { CheckoutReceipt } from '../../../contract/results.js';
import { ContractError } from '../../bridge/contract-error.js';
import { parseAmount, type AmountProblem } from '../../i18n/format.js';
import { useTerminal } from '../terminal-context.js';
import { NO_REDEMPTION, newTxnId, proofNeeded, redeemArgs, type RedeemChoice } from './checkout-plan.js';

export interface Sale {
  readonly card: string;
  readonly member: MemberSummary;
  readonly txnId: string;
  /** The amount as the cashier typed it (kept when they step back from the preview). */
  readonly amountText: string;
  /** Welcome points of a member enrolled just now. */
  readonly welcomePoints?: number;
}

export type Phase =
  | { readonly kind: 'waiting' }
  | { readonly kind: 'unknown-card'; readonly card: string }
  | { readonly kind: 'enrol'; readonly card: string }
  | { readonly kind: 'basket'; readonly sale: Sale }
  | { readonly kind: 'preview'; readonly sale: Sale; readonly basket: Basket; readonly quote: Quote; readonly redeem: RedeemChoice; readonly spendCode: string | null }
  | { readonly kind: 'done'; readonly sale: Sale; readonly receipt: CheckoutReceipt };

/** A problem the screen found itself, before asking the host. */
export type LocalProblem = { readonly kind: 'amount'; readonly problem: AmountProblem };
export type Problem = { readonly kind: 'host'; readonly error: ContractError } | LocalProblem;

export interface Cashier {
  readonly phase: Phase;
  readonly busy: boolean;
  readonly problem: Problem | null;
  scan(code: string): void;
  lookUp(card: string): void;
  submitAmount(text: string): void;
  chooseRedemption(choice: RedeemChoice): void;
  confirm(proof: SpendProof | undefined): void;
  startEnrolment(): void;
  enrol(args: EnrolArgs): void;
  back(): void;
}

function asContractError(error: unknown): ContractError {
  return error instanceof ContractError ? error : new ContractError('bad-reply', error instanceof Error ? error.message : String(error));
}

export function useCashier(): Cashier {
  const { api, info } = useTerminal();
  const [phase, setPhase] = useState<Phase>({ kind: 'waiting' });
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  // The latest phase and busy flag for callbacks that outlive a render (a scan's handler).
  const phaseRef = useRef(phase);
  phaseRef.current = phase;
  const busyRef = useRef(false);

  const show = useCallback((next: Phase) => {
    phaseRef.current = next;
    setPhase(next);
    setProblem(null);
  }, []);

  /** Runs one request; its refusal is shown in the phase the screen is in. */
  const request = useCallback(async <T,>(run: () => Promise<T>, then: (result: T) => void | Promise<void>, refused?: (error: ContractError) => boolean): Promise<void> => {
    if (busyRef.current) return;
    busyRef.current = true;
    setBusy(true);
    setProblem(null);
    try {
      await then(await run());
    } catch (error) {
      const refusal = asContractError(error);
      if (!refused?.(refusal)) setProblem({ kind: 'host', error: refusal });
    } finally {
      busyRef.current = false;
      setBusy(false);
    }
  }, []);

  const lookUp = useCallback(
    (card: string) => {
      void request(
        () => api.send('member-lookup', { card }),
        (member) => show({ kind: 'basket', sale: { card, member, txnId: newTxnId(), amountText: '' } }),
        (error) => {
          if (error.code !== 'unknown-card') return false;
          show({ kind: 'unknown-card', card });
          return true;
        },
      );
    },
    [api, request, show],
  );

  const quote = useCallback(
    (sale: Sale, basket: Basket, redeem: RedeemChoice, spendCode: string | null) => {
      const redeemArg = redeemArgs(redeem);
      void request(
        () => api.send('quote', { card: sale.card, basket, ...(redeemArg ? { redeem: redeemArg } : {}) }),
        (result) => show({ kind: 'preview', sale, basket, quote: result, redeem, spendCode }),
      );
    },
    [api, request, show],
  );

  const scan = useCallback(
    (code: string) => {
      const current = phaseRef.current;
      // While a spend waits for the member's spend code, the code they scan is that proof.
      if (current.kind === 'preview' && info.program.spendProofs.includes('spend-code') && proofNeeded(current.quote, info)) {
        show({ ...current, spendCode: code });
        return;
      }
      lookUp(code);
    },
    [info, lookUp, show],
  );

  const submitAmount = useCallback(
    (text: string) => {
      const current = phaseRef.current;
      if (current.kind !== 'basket') return;
      const amount = parseAmount(text, info.program.currency);
      if (!amount.ok) {
        setProblem({ kind: 'amount', problem: amount.problem });
        return;
      }
      quote({ ...current.sale, amountText: text }, amountBasket(amount.minor, info.program.currency), NO_REDEMPTION, null);
    },
    [info, quote],
  );

  const chooseRedemption = useCallback(
    (choice: RedeemChoice) => {
      const current = phaseRef.current;
      if (current.kind === 'preview') quote(current.sale, current.basket, choice, current.spendCode);
    },
    [quote],
  );

  const confirm = useCallback(
    (proof: SpendProof | undefined) => {
      const current = phaseRef.current;
      if (current.kind !== 'preview') return;
      const { sale, basket, redeem } = current;
      const redeemArg = redeemArgs(redeem);
      void request(
        () => api.send('checkout-commit', { card: sale.card, txnId: sale.txnId, basket, ...(redeemArg ? { redeem: redeemArg } : {}), ...(proof ? { proof } : {}) }),
        (receipt) => show({ kind: 'done', sale, receipt }),
      );
    },
    [api, request, show],
  );

  const startEnrolment = useCallback(() => {
    const current = phaseRef.current;
    if (current.kind === 'unknown-card') show({ kind: 'enrol', card: current.card });
  }, [show]);

  const enrol = useCallback(
    (args: EnrolArgs) => {
      const card = args.cards[0];
      if (card === undefined) return;
      void request(
        () => api.send('enrol', args),
        async (result) => {
          // The new member, as any scanned member: balance, tier, the basket amount next.
          const member = await api.send('member-lookup', { card });
          show({ kind: 'basket', sale: { card, member, txnId: newTxnId(), amountText: '', welcomePoints: result.welcomePoints } });
        },
      );
    },
    [api, request, show],
  );

  const back = useCallback(() => {
    if (busyRef.current) return;
    const current = phaseRef.current;
    if (current.kind === 'preview') show({ kind: 'basket', sale: current.sale });
    else if (current.kind === 'enrol') show({ kind: 'unknown-card', card: current.card });
    else show({ kind: 'waiting' });
  }, [show]);

  return { phase, busy, problem, scan, lookUp, submitAmount, chooseRedemption, confirm, startEnrolment, enrol, back };
}
