export const HELP = `tally — the Tally loyalty terminal from the command line

Usage: tally <command> [options]

Commands:
  init               create a terminal database: --program FILE --store ID --terminal ID (--program-key ID:PUBLICKEY | --demo) [--time-zone ZONE]
  enrol              enrol this terminal with the central server (creates the ledger): --server URL --code CODE
  sync               push the outbox to the server, then pull what other counters booked (exit 0 only when everything is acknowledged); [--paged]: a new terminal pulls in pages instead of one stream
  eod                end of day: sync, check, the day's figures beside the server's, then a backup: [--day YYYY-MM-DD] [--out FILE] [--print] [--backup-dir DIR]
  program install    install a newer version of the program, signed by a trusted program key: --program FILE [--manager ID]
  program sign       sign a program with the program key (head office's job): --program FILE --signing-key FILE --out FILE
  member add         enrol a customer: --card CODE [--card CODE…] [--name] [--phone] [--email] [--birthday YYYY-MM-DD|MM-DD] [--consent] [--pin-stdin] [--referred-by CARD]
  member pin         set the member's PIN for spending points (PINs on standard input): --card CODE [--manager ID] [--clear] (once the terminal has managers, --manager's PIN comes first on stdin)
  member erase       erase a member's personal data (balances and history stay): --card CODE --reason TEXT [--by NAME | --manager ID] (a manager's, PIN on stdin, once the terminal has managers)
  member show        everything about a member: --card CODE
  member search      members by card, phone (last 4 or more digits) or part of the name: --query TEXT [--limit N] [--manager ID] (a manager's, PIN on stdin, once the terminal has managers)
  member update      change details or add a card: --card CODE [--name] [--phone] [--email] [--birthday] [--consent yes|no] [--add-card CODE…] (an empty value clears)
  balance            points, tier and expiring points: --card CODE
  quote              what a basket would earn and what can be redeemed: --card CODE (--amount N | --basket FILE) [--redeem-points N | --reward ID] [--bonus-day ID]
  checkout           book a sale: --card CODE (--amount N | --basket FILE) --txn POS-ID [--redeem-points N | --reward ID] [--bonus-day ID] [--cashier NAME] [--spend-code CODE | --pin-stdin | --checked-by NAME]
  return             reverse a sale: --txn ORIGINAL-POS-ID --return-id ID (--amount N | --line SKU:QTY… | --lines FILE | --all) [--terminal ID] [--store ID] (a sale of another counter or store: after a sync)
  action             record a bonus action: --card CODE --action ID [--ref REFERENCE] [--id ID]
  donate             give points to a charity: --card CODE --charity ID --points N --id ID [--spend-code CODE | --pin-stdin | --checked-by NAME]
  membership sell    sell a paid membership: --card CODE --plan ID --txn POS-ID [--fee N]
  membership renew   renew it (extends from the current end): same options
  adjust             a manager's correction: --card CODE --points ±N --reason TEXT --id ID [--manager ID] (its PIN on stdin; needed once the terminal has managers)
  manager add        add a manager: --id ID --name NAME [--by MANAGER] (stdin: --by's PIN if given, then the new PIN; the first manager needs no --by)
  manager list       the terminal's managers: --by MANAGER (PIN on stdin)
  manager pin        a new PIN: --id ID (stdin: current PIN, new PIN) | --id ID --by MANAGER (stdin: their PIN, new PIN; unlocks) | --id ID --reset (at the machine; stdin: new PIN)
  manager remove     retire a manager (never the last): --id ID --by MANAGER (PIN on stdin)
  history            a member's transfers, newest first: --card CODE [--limit N]
  periodic           book what time has brought for every member (expiry, monthly credits, yearly rewards)
  verify             recompute every balance and check every ledger invariant
  backup             online copy of the database: --to FILE
  host               the terminal host: opens the ledger once, runs the printers, scanners, checkpoints and periodic bookings, and serves the typed contract over a local WebSocket: [--port N] [--checkpoint-after SECONDS] (prints ws://127.0.0.1:PORT/?secret=…; Ctrl-C or SIGTERM stops it)
  scan               send a scanned code to the running terminal host's screens and show the member it names: tally scan CODE (exit 4: no host is running)
  printer add        a receipt printer: --id ID (--tcp HOST[:PORT] | --serial PATH [--baud N] [--rtscts] | --usb PATH) --profile ID [--slip-lang en|ko] [--timeout MS] [--manager ID]
  printer list       the configured printers (also: printer enable|disable --id ID [--manager ID])
  printer status     the printer's real-time status: [--id ID]
  printer test       queue a test slip: [--id ID]
  print queue        the print queue: [--limit N]
  print run          print what is queued (--watch: keep printing until stopped)
  print cancel       cancel a queued slip: --job N [--manager ID]
  print reprint      print a slip again from history: --txn ID [--kind checkout|return|…] [--terminal ID]
  print preview      the slip as an SVG picture: --txn ID --out FILE [--kind …] [--slip-lang en|ko]
  terminal key install  the terminal's member-QR signing key and its certificate: --key FILE --certificate FILE
  keys certify       certify a terminal key for one store and terminal (the server's job): --signing-key FILE --terminal-key FILE --store ID --terminal ID --valid-days N --out FILE
  restore            put a backup in service: --from FILE (into --db, which must not exist yet)
  card parse         what a scanned or typed code is, by the program's card rules: --card CODE
  scanner add        a scanner the terminal host runs: --id ID (--serial PATH | --serial-usb VID:PID[:SERIAL] | --hid VID:PID[:SERIAL]) [--baud N] [--suffix any|cr|lf|crlf|none]
  scanner remove     forget a scanner: --id ID
  scanner list       the scanners configured here, then the serial ports and HID devices this computer sees (HID POS scanners marked)
  scanner watch      run a scanner and show each code and the member it finds: --serial PATH | --serial-usb VID:PID[:SERIAL] | --hid VID:PID[:SERIAL] [--baud N] [--suffix any|cr|lf|crlf|none] [--count N]
  keys generate      a new Ed25519 signing key for member QR codes (demos; the server's job): --id ID --out FILE
  qr issue           a signed member QR code (demos; the server's job): --card CODE --signing-key FILE [--valid-days N | --spend]

Options for every command:
  --db FILE          the terminal database (default: the user's data folder, tally/tally.sqlite)
  --json             machine-readable output on stdout
  --lang en|ko       language of program names in the output
  --now ISO-INSTANT  act as if it were this time (tests and demos, where TALLY_ALLOW_CLOCK_OVERRIDE=1), e.g. 2026-11-25T09:30:00Z
  -h, --help         help (after a command: that command's help)

Amounts are whole minor units of the program currency: 45000 is ₩45,000, 1999 is $19.99.
A basket file is JSON: {"currency":"USD","lines":[{"sku":"BALL-5","quantity":2,"unitPrice":1999,"category":"balls"}],"tax":{"amount":320,"included":false}}.
Exit status: 0 done; 1 refused (one-line reason on stderr, nothing written); 2 wrong usage; 3 a fault of Tally itself; 4 (tally scan) no terminal host is running for the ledger.
`;

const DETAILS: Record<string, string> = {
  init: 'Creates the database file, stores the program in it and records the store, terminal and time zone (default: the program\'s). Refuses an existing database.',
  checkout: 'Books a sale in one durable transaction. The same --txn with the same details returns the first result; with other details it is refused. Redeeming points needs a proof the program takes: a spend code from the member\'s app, their PIN on standard input, or the cashier who checked them.',
  return: 'Reverses points in proportion to the eligible spend returned, at the rate the sale earned. A full return gives back redeemed points.',
  verify: 'Exit status 1 when any invariant is broken; each problem is listed.',
  host: 'Opens the ledger once (with the full integrity check) and serves the contract\'s requests ({ id, method, args }) on 127.0.0.1 only, to clients that present the secret printed at start (new at every start). It prints queued slips, runs the configured scanners (tally scanner add) and pushes what they read, books what time brings (as tally periodic) at start, hourly and just after local midnight, and checkpoints the ledger after --checkpoint-after seconds without a request (default 30). It writes <ledger>.host.json (its port and secret, readable by you only) so that tally scan finds it, and refuses to start while another host runs on the same ledger. Runs until SIGINT or SIGTERM, then checkpoints and closes the ledger (exit 0). See the README, "The terminal host".',
  scan: 'Sends CODE to the terminal host running on this ledger, which shows it on its screens as a scan from outside (it books nothing: the screen decides), then prints the member the host finds for it. Exit 0: a member; 1: the code was refused or names nobody (the screens were still told); 4: no terminal host is running (nothing was sent; tally balance --card looks a card up without one).',
  eod:
    "Pushes and pulls everything, checks the ledger (as verify does), then prints the day's figures (the store's local day; default today) from this ledger beside the server's for this terminal, marking every one that differs. --out FILE writes the report as JSON (a new file), --print queues it on the receipt printer. Only a clean end of day (everything on the server, ledger OK, every figure agreeing) writes a backup, into --backup-dir (default: a folder beside the ledger, <ledger>.backups/). Exit status 1, with the report still shown and marked not confirmed, when the server cannot be reached, entries remain unsynced, the check fails or figures differ. A terminal not enrolled with a server gets a local-only report (and its backup) and exits 0.",
};

export function commandHelp(name: string): string {
  const line = HELP.split('\n').find((l) => l.trimStart().startsWith(name + ' ') || l.trim() === name);
  return `tally ${name}\n${line ? line.trim().slice(name.length).trim() : ''}\n${DETAILS[name] ?? ''}\n`.trimEnd() + '\n';
}
