/**
 * The loyalty slip as printed when a program brings no template of its own. ReceiptLine markup:
 * `|` separates columns (text sticks to the pipe it is next to), `^` doubles the size, `"` bolds,
 * a line of `-` is a rule (the encoder cuts the paper at the end). Values come escaped; `{{{qrBlock}}}` is the member
 * QR code (a native GS ( k command on printers, a drawn code in previews).
 *
 * Column widths: with automatic widths two columns share a line half and half (15 + 16 of a 58 mm
 * line's 32 characters), so the date ("2026-11-25 12:04", 16 characters) wrapped inside its
 * minutes ("12:0" / "4") and point labels wrapped at 15 ("Black Friday" / "double points x2").
 * `{width:16,*}` gives the date exactly its width; in the points part `{width:*,11}` gives the
 * figures 11 characters ("-1,234,567", "123,456 pts") and the labels the rest; `{width:auto}`
 * goes back to halves, and a line of one column takes the whole width again (under fixed widths
 * it would get only the first column's). A property line prints nothing.
 *
 * The sale: the POS transaction id is the date row's right column (a return names the sale it
 * returns on its own row), and what the points were earned on ({{spend}}: "Earned on $120.00", the
 * eligible spend, see SlipData.earnedOn) goes under the points, on a line of its own so that a large
 * amount in a long currency code ("KRW 1,500,000") never wraps inside the 11-character figures.
 */
export const DEFAULT_TEMPLATES = {
  en: `{{#reprint}}
"REPRINT"
{{/reprint}}
^^"{{storeName}}"
{width:16,*}
{{date}} | {{txn}}
{width:auto}
{{title}}
-
Member | {{memberName}}
Card | {{memberCard}}
-
{width:*,11}
{{#earned}}
"Points earned | "+{{total}}
{{#spend}}
{width:auto}
~~{{spend}} |
{width:*,11}
{{/spend}}
{{#lines}}
~~{{label}} | {{points}}
{{/lines}}
{{/earned}}
{{#redeemed}}
"Points redeemed | "-{{points}}
{width:auto}
~~{{what}} |
{width:*,11}
{{/redeemed}}
{{#returned}}
Return of sale | {{sale}}
Points taken back | -{{points}}
{{#uncollected}}
{width:auto}
~~Already spent: {{uncollected}} |
~~{{deduction}} |
{width:*,11}
{{/uncollected}}
{{#restored}}
Redeemed points returned | +{{restored}}
{{/restored}}
{{/returned}}
{{#rewards}}
{{label}} | +{{points}}
{{/rewards}}
{{#donations}}
Donated to {{charity}} | -{{points}}
{{/donations}}
-
"Balance | "{{balance}} pts
{{#tier}}
Tier | {{name}}
{{#next}}
{width:auto}
~~{{toNext}} more to {{next}} |
{width:*,11}
{{/next}}
{{/tier}}
{{#expiring}}
Expiring {{date}} | {{points}} pts
{{/expiring}}
{width:auto}
{{#qrBlock}}
-
Scan at your next visit
{{{qrBlock}}}
{{/qrBlock}}
{{#footer}}
{{footer}}
{{/footer}}
`,
  ko: `{{#reprint}}
"재발행"
{{/reprint}}
^^"{{storeName}}"
{width:16,*}
{{date}} | {{txn}}
{width:auto}
{{title}}
-
회원 | {{memberName}}
카드 | {{memberCard}}
-
{width:*,11}
{{#earned}}
"적립 포인트 | "+{{total}}
{{#spend}}
{width:auto}
~~{{spend}} |
{width:*,11}
{{/spend}}
{{#lines}}
~~{{label}} | {{points}}
{{/lines}}
{{/earned}}
{{#redeemed}}
"사용 포인트 | "-{{points}}
{width:auto}
~~{{what}} |
{width:*,11}
{{/redeemed}}
{{#returned}}
반품 원거래 | {{sale}}
회수 포인트 | -{{points}}
{{#uncollected}}
{width:auto}
~~이미 사용: {{uncollected}} |
~~{{deduction}} |
{width:*,11}
{{/uncollected}}
{{#restored}}
사용 포인트 반환 | +{{restored}}
{{/restored}}
{{/returned}}
{{#rewards}}
{{label}} | +{{points}}
{{/rewards}}
{{#donations}}
{{charity}} 기부 | -{{points}}
{{/donations}}
-
"잔여 포인트 | "{{balance}}P
{{#tier}}
등급 | {{name}}
{{#next}}
{width:auto}
~~{{next}}까지 {{toNext}} |
{width:*,11}
{{/next}}
{{/tier}}
{{#expiring}}
{{date}} 소멸 예정 | {{points}}P
{{/expiring}}
{width:auto}
{{#qrBlock}}
-
다음 방문 때 스캔하세요
{{{qrBlock}}}
{{/qrBlock}}
{{#footer}}
{{footer}}
{{/footer}}
`,
} as const;
