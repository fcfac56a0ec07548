/**
 * The host's side of a connection's role (src/contract/roles.ts): both carriers put a kiosk
 * connection's requests through this before the handler map, so what a kiosk may do does not
 * depend on the page behaving. A refusal is a typed reply (`not-allowed`) with the request's id;
 * nothing reaches the ledger. A manager's session is refused too: a kiosk is never a manager's
 * screen, even with a token that leaked.
 */
import { errorReply, type Reply, type Request } from '../../contract/messages.js';
import { KIOSK_METHODS, roleMayCall, type ConnectionRole } from '../../contract/roles.js';

export interface RequestHandler {
  handle(request: Request): Promise<Reply>;
}

/** Lets through what a connection of `role` may call; answers the rest `not-allowed`. */
export function guardFor(role: ConnectionRole, handlers: RequestHandler): RequestHandler {
  if (role === 'counter') return handlers;
  return {
    handle(request) {
      if (!roleMayCall(role, request.name)) {
        return Promise.resolve(
          errorReply(request.id, 'not-allowed', `The ${role} screen cannot do "${request.name.slice(0, 64)}": it may only ${[...KIOSK_METHODS].join(', ')}. Nothing was done`),
        );
      }
      if (request.session !== undefined) return Promise.resolve(errorReply(request.id, 'not-allowed', `The ${role} screen cannot act for a manager: nothing was done`));
      return handlers.handle(request);
    },
  };
}
