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
import type { CheckoutReceipt, MembershipReceipt, PointsReceipt, ReturnReceipt } from '../../../contract/results.js';
import type { ScannedCode } from '../../../contract/messages.js';
import { ContractError } from '../../bridge/contract-error.js';
import { parseAmount, type AmountProblem } from '../../i18n/format.js';
import { useTerminal } from '../terminal-context.js';
import { NO_REDEMPTION, newTxnId, prefixedId, proofNeeded, redeemArgs, takesReferral, type RedeemChoice } from './checkout-plan.js';

export interface Sale {
  readonly card: string;
  readonly member: MemberSummary;
  readonly txnId: string;
  /** The amount as the cashier typed it (kept when they step back from the preview). */
  readonly amountText: string;
  /** Welcome points of a member enrolled just now. */
  readonly welcomePoints?: number;
  /** The referrer's bonus booked with that enrolment. */
  readonly referralPoints?: number;
}

export type Phase =
  | { readonly kind: 'waiting' }
  | { readonly kind: 'unknown-card'; readonly card: string }
  | { readonly kind: 'enrol'; readonly card: string; readonly referredBy: string }
  | { readonly kind: 'basket'; readonly sale: Sale }
  | { readonly kind: 'preview'; readonly sale: Sale; readonly basket: Basket; readonly quote: Quote; readonly redeem: RedeemChoice; readonly spendCode: string | null; readonly bonusDay?: string }
  | { readonly kind: 'done'; readonly sale: Sale; readonly receipt: CheckoutReceipt }
  /** A return by the original sale's POS transaction id (typed, or scanned into the form). */
  | { readonly kind: 'return'; readonly returnId: string; readonly originalTxnId: string }
  | { readonly kind: 'return-done'; readonly receipt: ReturnReceipt }
  /** The member's other counter functions: an action bonus, a paid membership, a donation. */
  | { readonly kind: 'extra'; readonly sale: Sale; readonly extra: ExtraKind; readonly txnId: string; readonly spendCode: string | null }
  | { readonly kind: 'extra-done'; readonly sale: Sale; readonly booked: ExtraBooked }
  /** The camera open for a member's QR code: what it reads is a scan. */
  | { readonly kind: 'camera'; readonly attempt: number };

export type ExtraKind = 'action' | 'membership' | 'donation';
export type ExtraBooked =
  | { readonly kind: 'action'; readonly actionId: string; readonly receipt: PointsReceipt }
  | { readonly kind: 'membership'; readonly receipt: MembershipReceipt }
  | { readonly kind: 'donation'; readonly charityId: string; readonly receipt: PointsReceipt };

/** The last slip this counter printed, for a reprint (kept for the page's life: the counter's own slips only). */
export interface LastSlip {
  readonly txnId: string;
  readonly kind: 'checkout' | 'return' | 'action' | 'donation' | 'membership' | 'enrolment';
}

/** What a reprint request came to, shown until the next step. */
export type ReprintNotice = { readonly kind: 'queued'; readonly txnId: string } | { readonly kind: 'none' };

/** A problem the screen found itself, before asking the host. */
export type LocalProblem = { readonly kind: 'amount'; readonly problem: AmountProblem } | { readonly kind: 'return-txn' } | { readonly kind: 'scan-refused'; readonly scan: ScannedCode };
export type Problem = { readonly kind: 'host'; readonly error: ContractError } | LocalProblem;

export interface Cashier {
  readonly phase: Phase;
  readonly busy: boolean;
  readonly problem: Problem | null;
  scan(code: string): void;
  lookUp(card: string): void;
  submitAmount(text: string): void;
  chooseRedemption(choice: RedeemChoice): void;
  /** Uses (or stops using) the member's own bonus day (a tier's triple-points day) on this basket. */
  toggleBonusDay(id: string): void;
  confirm(proof: SpendProof | undefined): void;
  startEnrolment(): void;
  enrol(args: EnrolArgs): void;
  back(): void;
  readonly lastSlip: LastSlip | null;
  readonly reprintNotice: ReprintNotice | null;
  startReturn(): void;
  openCamera(): void;
  submitReturn(originalTxnId: string, amountText: string): void;
  reprint(): void;
  startExtra(extra: ExtraKind): void;
  bookAction(actionId: string, reference: string | undefined): void;
  sellMembership(planId: string): void;
  donate(charityId: string, pointsText: string, proof: SpendProof | undefined): void;
  /** A scan the host pushed (a serial or HID scanner, `tally scan`): a refused one is said, never looked up. */
  pushedScan(scan: ScannedCode): void;
}

/** Points typed by the cashier: a whole number above zero, digits (and thousands commas) only. */
export function parsePoints(text: string): number | null {
  const trimmed = text.trim().replace(/,/g, '');
  if (!/^\d{1,9}$/.test(trimmed)) return null;
  const n = Number(trimmed);
  return n > 0 ? n : null;
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
  const [lastSlip, setLastSlip] = useState<LastSlip | null>(null);
  const [reprintNotice, setReprintNotice] = useState<ReprintNotice | null>(null);

  const show = useCallback((next: Phase) => {
    phaseRef.current = next;
    setPhase(next);
    setProblem(null);
    setReprintNotice(null);
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
    (sale: Sale, basket: Basket, redeem: RedeemChoice, spendCode: string | null, bonusDay?: string) => {
      const redeemArg = redeemArgs(redeem);
      void request(
        () => api.send('quote', { card: sale.card, basket, ...(redeemArg ? { redeem: redeemArg } : {}), ...(bonusDay !== undefined ? { useBonusDay: bonusDay } : {}) }),
        (result) => show({ kind: 'preview', sale, basket, quote: result, redeem, spendCode, ...(bonusDay !== undefined ? { bonusDay } : {}) }),
      );
    },
    [api, request, show],
  );

  const scan = useCallback(
    (code: string) => {
      const current = phaseRef.current;
      // On the enrolment form a scan is the referrer's card (the new card is already in it).
      if (current.kind === 'enrol' && takesReferral(info)) {
        show({ ...current, referredBy: code });
        return;
      }
      // On the donation form (where the program takes one) a scan is the member's spend code.
      if (current.kind === 'extra' && current.extra === 'donation' && info.program.spendProofs.includes('spend-code')) {
        show({ ...current, spendCode: code });
        return;
      }
      // On the return form a scan is the original slip's transaction number (its barcode).
      if (current.kind === 'return') {
        show({ ...current, originalTxnId: code });
        return;
      }
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
      if (current.kind === 'preview') quote(current.sale, current.basket, choice, current.spendCode, current.bonusDay);
    },
    [quote],
  );

  const toggleBonusDay = useCallback(
    (id: string) => {
      const current = phaseRef.current;
      if (current.kind === 'preview') quote(current.sale, current.basket, current.redeem, current.spendCode, current.bonusDay === id ? undefined : id);
    },
    [quote],
  );

  const confirm = useCallback(
    (proof: SpendProof | undefined) => {
      const current = phaseRef.current;
      if (current.kind !== 'preview') return;
      const { sale, basket, redeem, bonusDay } = current;
      const redeemArg = redeemArgs(redeem);
      void request(
        () => api.send('checkout-commit', { card: sale.card, txnId: sale.txnId, basket, ...(redeemArg ? { redeem: redeemArg } : {}), ...(bonusDay !== undefined ? { useBonusDay: bonusDay } : {}), ...(proof ? { proof } : {}) }),
        (receipt) => {
          setLastSlip({ txnId: receipt.txnId, kind: 'checkout' });
          show({ kind: 'done', sale, receipt });
        },
      );
    },
    [api, request, show],
  );

  const startEnrolment = useCallback(() => {
    const current = phaseRef.current;
    if (current.kind === 'unknown-card') show({ kind: 'enrol', card: current.card, referredBy: '' });
  }, [show]);

  const enrol = useCallback(
    (args: EnrolArgs) => {
      const card = args.cards[0];
      if (card === undefined) return;
      void request(
        () => api.send('enrol', args),
        async (result) => {
          // The new member, as any scanned member: balance, tier, the basket amount next.
          setLastSlip({ txnId: result.txnId, kind: 'enrolment' });
          const member = await api.send('member-lookup', { card });
          show({ kind: 'basket', sale: { card, member, txnId: newTxnId(), amountText: '', welcomePoints: result.welcomePoints, ...(result.referral ? { referralPoints: result.referral.points } : {}) } });
        },
      );
    },
    [api, request, show],
  );

  const startReturn = useCallback(() => {
    if (busyRef.current) return;
    show({ kind: 'return', returnId: prefixedId('RT'), originalTxnId: '' });
  }, [show]);

  const submitReturn = useCallback(
    (originalTxnId: string, amountText: string) => {
      const current = phaseRef.current;
      if (current.kind !== 'return') return;
      const original = originalTxnId.trim();
      if (original === '') {
        setProblem({ kind: 'return-txn' });
        return;
      }
      // No amount: the whole sale (what is left of it) comes back.
      let amount: number | null = null;
      if (amountText.trim() !== '') {
        const parsed = parseAmount(amountText, info.program.currency);
        if (!parsed.ok) {
          setProblem({ kind: 'amount', problem: parsed.problem });
          return;
        }
        amount = parsed.minor;
      }
      phaseRef.current = { ...current, originalTxnId: original };
      void request(
        () => api.send('return-commit', amount === null ? { originalTxnId: original, returnId: current.returnId, all: true } : { originalTxnId: original, returnId: current.returnId, amount }),
        (receipt) => {
          setLastSlip({ txnId: receipt.txnId, kind: 'return' });
          show({ kind: 'return-done', receipt });
        },
      );
    },
    [api, info, request, show],
  );

  const openCamera = useCallback(() => {
    // F10 again starts the camera again (after it was refused or unplugged).
    const current = phaseRef.current;
    if (!busyRef.current) show({ kind: 'camera', attempt: current.kind === 'camera' ? current.attempt + 1 : 0 });
  }, [show]);

  const reprint = useCallback(() => {
    if (busyRef.current) return;
    if (lastSlip === null) {
      setReprintNotice({ kind: 'none' });
      return;
    }
    void request(
      () => api.send('print-reprint', { txnId: lastSlip.txnId, kind: lastSlip.kind }),
      (result) => setReprintNotice({ kind: 'queued', txnId: result.txnId }),
    );
  }, [api, lastSlip, request]);

  const startExtra = useCallback(
    (extra: ExtraKind) => {
      const current = phaseRef.current;
      if (busyRef.current) return;
      // After a checkout the member's balance is the booked one.
      const sale = current.kind === 'done' ? { ...current.sale, member: { ...current.sale.member, balance: current.receipt.balance } } : current.kind === 'basket' || current.kind === 'extra' || current.kind === 'extra-done' ? current.sale : null;
      if (sale === null) return;
      show({ kind: 'extra', sale, extra, spendCode: null, txnId: prefixedId(extra === 'membership' ? 'MS' : extra === 'donation' ? 'DN' : 'AC') });
    },
    [show],
  );

  /** After a booking the member panel shows the balance it left. */
  const booked = useCallback(
    (sale: Sale, result: ExtraBooked, slipKind: LastSlip['kind']) => {
      setLastSlip({ txnId: result.receipt.txnId, kind: slipKind });
      show({ kind: 'extra-done', sale: { ...sale, member: { ...sale.member, balance: result.receipt.balance } }, booked: result });
    },
    [show],
  );

  const bookAction = useCallback(
    (actionId: string, reference: string | undefined) => {
      const current = phaseRef.current;
      if (current.kind !== 'extra') return;
      const { sale, txnId } = current;
      void request(
        () => api.send('action', { card: sale.card, actionId, txnId, ...(reference !== undefined && reference !== '' ? { reference } : {}) }),
        (receipt) => booked(sale, { kind: 'action', actionId, receipt }, 'action'),
      );
    },
    [api, booked, request],
  );

  const sellMembership = useCallback(
    (planId: string) => {
      const current = phaseRef.current;
      if (current.kind !== 'extra') return;
      const { sale, txnId } = current;
      void request(
        () => api.send('membership-sale', { card: sale.card, planId, txnId }),
        async (receipt) => {
          // The membership shows on the member panel (its plan and end date).
          const member = await api.send('member-lookup', { card: sale.card });
          booked({ ...sale, member }, { kind: 'membership', receipt }, 'membership');
        },
      );
    },
    [api, booked, request],
  );

  const donate = useCallback(
    (charityId: string, pointsText: string, proof: SpendProof | undefined) => {
      const current = phaseRef.current;
      if (current.kind !== 'extra') return;
      const points = parsePoints(pointsText);
      if (points === null) {
        setProblem({ kind: 'amount', problem: pointsText.trim() === '' ? 'empty' : 'not-a-number' });
        return;
      }
      const { sale, txnId, spendCode } = current;
      const given = proof ?? (spendCode !== null ? { spendCode } : undefined);
      void request(
        () => api.send('donate', { card: sale.card, charityId, points, donationId: txnId, ...(given ? { proof: given } : {}) }),
        (receipt) => booked(sale, { kind: 'donation', charityId, receipt }, 'donation'),
      );
    },
    [api, booked, request],
  );

  const pushedScan = useCallback(
    (pushed: ScannedCode) => {
      if (pushed.code !== null) {
        scan(pushed.code);
        return;
      }
      setReprintNotice(null);
      setProblem({ kind: 'scan-refused', scan: pushed });
    },
    [scan],
  );

  const back = useCallback(() => {
    if (busyRef.current) return;
    const current = phaseRef.current;
    if (current.kind === 'extra' || current.kind === 'extra-done') show({ kind: 'basket', sale: { ...current.sale, txnId: newTxnId(), amountText: '' } });
    else if (current.kind === 'preview') show({ kind: 'basket', sale: current.sale });
    else if (current.kind === 'enrol') show({ kind: 'unknown-card', card: current.card });
    else show({ kind: 'waiting' });
  }, [show]);

  return { phase, busy, problem, scan, lookUp, submitAmount, chooseRedemption, toggleBonusDay, confirm, startEnrolment, enrol, back, lastSlip, reprintNotice, startReturn, openCamera, submitReturn, reprint, startExtra, bookAction, sellMembership, donate, pushedScan };
}
