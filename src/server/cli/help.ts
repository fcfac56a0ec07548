export const HELP = `tally-server — the Tally central server and its administration

Usage: tally-server [<command>] [options]

Commands:
  serve              run the server (the default when no command is given): [--host 127.0.0.1] [--port 8787] [--tls-cert FILE --tls-key FILE] [--log-level info]
  init               first start: make the server's keys (if absent), put them in the program, sign and publish it: --program FILE
  program publish    sign and publish a newer version of the program: --program FILE
  store create       a store: --id ID --name NAME [--time-zone ZONE] (default: the program's)
  store list         the stores
  store budget       a store's own offline spending budget per terminal and budget period: --id ID (--points N | --program-default)
  terminal code      a one-time enrolment code for a terminal, shown once: --store ID --terminal ID [--valid-hours N] (default 24)
  terminal list      the enrolled terminals: [--store ID]
  terminal revoke    refuse a terminal's credential from now on: --store ID --terminal ID
  member show        a member as the server holds them: --card CODE | --member ID
  alerts             what needs a manager (pushed entries that contradict what the server holds): [--limit N]
  risk               per store: offline budgets granted and not expired, what was spent offline under them, members below zero
  verify             recompute every balance and check every ledger invariant

Options for every command:
  --data DIR         the server's data folder: its SQLite store and its keys (default: TALLY_SERVER_DATA, else ~/.local/share/tally-server)
  --json             machine-readable output on stdout
  -h, --help         help (after a command: that command's help)

Environment:
  DATABASE_URL       postgres://… to keep the data in PostgreSQL instead of the embedded SQLite file
  TALLY_SERVER_DATA  the data folder, when --data is not given

The program file given to init and program publish lists no keys of its own: the server writes its
member-QR key into cardCodes.verifyKeys and its program key into programKeys, and signs it.
Exit status: 0 done; 1 refused (one-line reason on stderr, nothing written); 2 wrong usage; 3 a fault of the server itself.
`;

const DETAILS: Record<string, string> = {
  serve: 'Opens (and migrates) the store, listens and prints its address. Stops cleanly on SIGINT or SIGTERM. --port 0 picks a free port. With --tls-cert and --tls-key it speaks HTTPS only.',
  init: 'The server keys live in <data>/keys (folder 0700, files 0600) and never leave it. A program that lists the demo key, or any key this server does not hold, is refused.',
  'terminal code': 'The code is 12 characters (ABCD-EFGH-JKLM, no look-alike letters), works once and expires. The server keeps only its SHA-256: write it down now.',
  'terminal revoke': 'The terminal\'s requests are refused (401) from now on; its entries stay in its outbox until it is enrolled again with a new code.',
};

export function commandHelp(name: string): string {
  const line = HELP.split('\n').find((l) => l.trimStart().startsWith(name + ' ') || l.trim() === name);
  return `tally-server ${name}\n${line ? line.trim().slice(name.length).trim() : ''}\n${DETAILS[name] ?? ''}\n`.trimEnd() + '\n';
}
