/**
 * A refusal as the screens see it: the host's typed error reply (`code`, `message`, `details`), or
 * one of the bridge's own when there was no reply to read. The screens show `code` through the
 * translated error map (src/ui/i18n/error-messages.ts); `message` is the host's English text, kept
 * for the log and as a detail line.
 */
import type { ErrorBody, ErrorCode } from '../../contract/messages.js';

/**
 * The bridge's own codes: `unreachable` (no connection to the host, or it was lost before the
 * reply came: a booking may or may not have happened, so the screens send the same request again,
 * which the host's idempotency makes safe), `bad-reply` (a reply that is not the contract's).
 */
export const BRIDGE_ERROR_CODES = ['unreachable', 'bad-reply'] as const;
export type BridgeErrorCode = (typeof BRIDGE_ERROR_CODES)[number];
export type UiErrorCode = ErrorCode | BridgeErrorCode;

export class ContractError extends Error {
  override readonly name = 'ContractError';

  constructor(
    readonly code: UiErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }

  static fromBody(body: Pick<ErrorBody, 'code' | 'message'> & { readonly details?: ErrorBody['details'] | undefined }): ContractError {
    return new ContractError(body.code, body.message, body.details ?? {});
  }
}

export function isContractError(value: unknown): value is ContractError {
  return value instanceof ContractError;
}
