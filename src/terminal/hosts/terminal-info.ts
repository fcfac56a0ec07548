/**
 * The `terminal-info` answer: the terminal's configuration and the program in force, as the screens
 * need it (src/contract/terminal-info.ts). Read-only: it reads what the service's ledger was opened
 * with and books nothing.
 */
import { SCREEN_LANGUAGES, type TerminalInfo } from '../../contract/terminal-info.js';
import type { LoyaltyService } from '../loyalty-service.js';

export function terminalInfo(service: LoyaltyService): TerminalInfo {
  const { ledger } = service;
  const terminal = ledger.terminal;
  const program = ledger.program;
  const r = program.redemption;
  return {
    storeId: terminal.storeId,
    terminalId: terminal.terminalId,
    timeZone: terminal.timeZone,
    demo: terminal.demo,
    enrolledWithServer: ledger.syncFreshness().enrolled,
    languages: [...SCREEN_LANGUAGES],
    program: {
      id: program.id,
      version: program.version,
      name: program.name,
      currency: program.currency,
      tiers: (program.tiers?.levels ?? []).map((level) => ({ id: level.id, name: level.name, minimumSpend: level.minimumSpend })),
      plans: program.memberships.map((plan) => ({ id: plan.id, name: plan.name })),
      bonusDays: program.bonuses.days.map((day) => ({ id: day.id, name: day.name })),
      rewards: r.catalogue.map((reward) => ({ id: reward.id, name: reward.name, points: reward.points, kind: reward.reward.type })),
      pointsAsMoney: r.pointValue ? { points: r.pointValue.points, amount: r.pointValue.amount, minimumPoints: r.minimumPoints, step: r.step, maxBasketShare: r.maxBasketShare } : null,
      spendProofs: [...program.spending.proofs],
      withoutProofUpTo: program.spending.withoutProofUpTo,
      actions: program.bonuses.actions.map((action) => ({ id: action.id, name: action.name, points: action.points, limit: action.limit })),
      charities: program.charities.map((charity) => ({ id: charity.id, name: charity.name })),
      planPrices: program.memberships.map((plan) => ({ id: plan.id, fee: plan.fee, period: plan.period })),
    },
  };
}
