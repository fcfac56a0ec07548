/**
 * The loyalty slip as printed when a program brings no template of its own. ReceiptLine markup:
 * `|` separates columns (text sticks to the pipe it is next to), `^` doubles the size, `"` bolds,
 * a line of `-` is a rule (the encoder cuts the paper at the end). Values come escaped; `{{{qrBlock}}}` is the member
 * QR code (a native GS ( k command on printers, a drawn code in previews).
 */
export const DEFAULT_TEMPLATES = {
  en: `{{#reprint}}
"REPRINT"
{{/reprint}}
^^"{{storeName}}"
{{date}} | {{txn}}
{{title}}
-
Member | {{memberName}}
Card | {{memberCard}}
-
{{#earned}}
"Points earned | "+{{total}}
{{#lines}}
~~{{label}} | {{points}}
{{/lines}}
{{/earned}}
{{#redeemed}}
"Points redeemed | "-{{points}}
~~{{what}} |
{{/redeemed}}
{{#returned}}
Points taken back | -{{points}}
{{#uncollected}}
~~Already spent: {{uncollected}} | {{deduction}}
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
~~{{toNext}} more to {{next}} |
{{/next}}
{{/tier}}
{{#expiring}}
Expiring {{date}} | {{points}} pts
{{/expiring}}
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
{{date}} | {{txn}}
{{title}}
-
회원 | {{memberName}}
카드 | {{memberCard}}
-
{{#earned}}
"적립 포인트 | "+{{total}}
{{#lines}}
~~{{label}} | {{points}}
{{/lines}}
{{/earned}}
{{#redeemed}}
"사용 포인트 | "-{{points}}
~~{{what}} |
{{/redeemed}}
{{#returned}}
회수 포인트 | -{{points}}
{{#uncollected}}
~~이미 사용: {{uncollected}} | {{deduction}}
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
~~{{next}}까지 {{toNext}} |
{{/next}}
{{/tier}}
{{#expiring}}
{{date}} 소멸 예정 | {{points}}P
{{/expiring}}
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
