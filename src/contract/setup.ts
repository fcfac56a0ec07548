/**
 * The first start of a terminal with no ledger yet: what the setup screen sends. Three ways in:
 *  - `server`: the chain's server and a one-time enrolment code (a real store: the server sends the
 *    signed program, the store and terminal ids, the time zone);
 *  - `program`: a program file signed by head office and the key that verifies it (a store without a
 *    server yet);
 *  - `demo`: one of the example programs, unsigned, with the terminal marked DEMO everywhere, and
 *    optionally a demo store's worth of members and two weeks of sales (to try every screen).
 * Each one also creates the first manager (roles start at setup).
 */
import { z } from 'zod';
import { managerIdSchema, pinSchema, plainText } from './commands.js';

const idSchema = (what: string) => z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, `a ${what} id is 1 to 32 letters, digits, dots, dashes or underscores`);

export const setupManagerSchema = z.strictObject({ managerId: managerIdSchema, name: plainText(100), pin: pinSchema });

export const setupArgs = z.discriminatedUnion('mode', [
  z.strictObject({
    mode: z.literal('demo'),
    /** An example program's id (resources/programs/<id>.json). */
    program: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'is an example program id'),
    storeId: idSchema('store'),
    terminalId: idSchema('terminal'),
    /** The program's own time zone when left out. */
    timeZone: z.string().min(1).max(64).optional(),
    /** Members and two weeks of sales to try the screens with. */
    seed: z.boolean().default(true),
    manager: setupManagerSchema,
  }),
  z.strictObject({
    mode: z.literal('server'),
    serverUrl: z.url({ protocol: /^https?$/, error: 'is the server address (http:// or https://)' }),
    code: z.string().trim().min(1, 'the enrolment code cannot be empty').max(200),
    manager: setupManagerSchema,
  }),
  z.strictObject({
    mode: z.literal('program'),
    document: z.string().min(2).max(512 * 1024, 'a program file is at most 512 KiB'),
    programKeys: z.array(z.strictObject({ id: z.string().min(1).max(64), publicKey: z.string().min(1).max(128) })).min(1, 'give the key that verifies the program').max(4),
    storeId: idSchema('store'),
    terminalId: idSchema('terminal'),
    timeZone: z.string().min(1).max(64).optional(),
    manager: setupManagerSchema,
  }),
]);
export type SetupArgs = z.input<typeof setupArgs>;

export interface ExampleProgram {
  /** What `demo`'s `program` names: the file's name in resources/programs, without .json. */
  readonly id: string;
  readonly programId: string;
  readonly name: Readonly<Record<string, string>>;
  readonly currency: string;
  readonly timeZone: string | null;
}

export interface SetupOutcome {
  readonly storeId: string;
  readonly terminalId: string;
  readonly timeZone: string;
  readonly programId: string;
  readonly programVersion: number;
  readonly demo: boolean;
  readonly managerId: string;
  /** What a demo seed booked (zeros without one). */
  readonly seeded: { readonly members: number; readonly checkouts: number };
}
