/**
 * Receipt templates: ReceiptLine documents (receipt markdown) with a small Mustache subset, so a
 * program's slip layout and wording are data. `{{name}}` inserts a value escaped for ReceiptLine
 * (a customer called "-" or "a|b" cannot break the layout); `{{{name}}}` inserts it raw (printer
 * command blocks); `{{#list}}…{{/list}}` repeats or shows a part, `{{^x}}…{{/x}}` shows it when x
 * is empty. A line holding only section tags leaves no blank line behind.
 */

export type TemplateValue = string | number | boolean | null | undefined | TemplateContext | readonly TemplateContext[];
export interface TemplateContext {
  readonly [key: string]: TemplateValue;
}

export class TemplateError extends Error {}

/** ReceiptLine's special characters in text, escaped; control characters dropped. */
export function escapeReceiptText(text: string): string {
  return [...text]
    .filter((c) => c >= ' ' && c !== '\u007f')
    .map((c) => ('\\|{}-=~_"`^'.includes(c) ? `\\${c}` : c))
    .join('');
}

type Node =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'value'; readonly name: string; readonly raw: boolean }
  | { readonly kind: 'section'; readonly name: string; readonly inverted: boolean; readonly children: readonly Node[] };

const TAG = /\{\{(\{?)([#^/]?)\s*([A-Za-z0-9_.]+)\s*\}?\}\}/g;

const STANDALONE = /^\s*((?:\{\{[#^/][A-Za-z0-9_.\s]+\}\}\s*)+)$/;

/** A line that holds nothing but section tags keeps its tags and loses its whitespace and line break. */
function dropStandaloneTagLines(template: string): string {
  const lines = template.split('\n');
  let out = '';
  lines.forEach((line, i) => {
    const standalone = STANDALONE.exec(line);
    if (standalone) out += standalone[1]!.replace(/\s+/g, '');
    else out += i < lines.length - 1 ? `${line}\n` : line;
  });
  return out;
}

function parse(template: string): Node[] {
  const root: Node[] = [];
  const stack: { name: string; inverted: boolean; children: Node[] }[] = [];
  const current = (): Node[] => stack.at(-1)?.children ?? root;
  let last = 0;
  for (const match of template.matchAll(TAG)) {
    const [whole, triple, sigil, name] = match as unknown as [string, string, string, string];
    const index = match.index;
    if (index > last) current().push({ kind: 'text', text: template.slice(last, index) });
    last = index + whole.length;
    if (sigil === '#' || sigil === '^') stack.push({ name, inverted: sigil === '^', children: [] });
    else if (sigil === '/') {
      const open = stack.pop();
      if (!open || open.name !== name) throw new TemplateError(`{{/${name}}} closes ${open ? `{{${open.inverted ? '^' : '#'}${open.name}}}` : 'nothing'}`);
      current().push({ kind: 'section', name, inverted: open.inverted, children: open.children });
    } else current().push({ kind: 'value', name, raw: triple === '{' });
  }
  if (last < template.length) current().push({ kind: 'text', text: template.slice(last) });
  const unclosed = stack.at(-1);
  if (unclosed) throw new TemplateError(`{{${unclosed.inverted ? '^' : '#'}${unclosed.name}}} is never closed`);
  return root;
}

function lookup(scopes: readonly TemplateContext[], name: string): TemplateValue {
  const [head, ...rest] = name.split('.');
  for (let i = scopes.length - 1; i >= 0; i -= 1) {
    const scope = scopes[i]!;
    if (head !== undefined && Object.hasOwn(scope, head)) {
      let value: TemplateValue = scope[head];
      for (const key of rest) value = value && typeof value === 'object' && !Array.isArray(value) ? (value as TemplateContext)[key] : undefined;
      return value;
    }
  }
  return undefined;
}

const truthy = (value: TemplateValue): boolean => (Array.isArray(value) ? value.length > 0 : value !== false && value !== null && value !== undefined && value !== '' && value !== 0);

function render(nodes: readonly Node[], scopes: readonly TemplateContext[]): string {
  let out = '';
  for (const node of nodes) {
    if (node.kind === 'text') out += node.text;
    else if (node.kind === 'value') {
      const value = lookup(scopes, node.name);
      const text = value === null || value === undefined || typeof value === 'object' ? '' : String(value);
      out += node.raw ? text : escapeReceiptText(text);
    } else {
      const value = lookup(scopes, node.name);
      if (node.inverted) {
        if (!truthy(value)) out += render(node.children, scopes);
      } else if (Array.isArray(value)) {
        for (const item of value as readonly TemplateContext[]) out += render(node.children, [...scopes, item]);
      } else if (truthy(value)) {
        out += render(node.children, typeof value === 'object' && value !== null ? [...scopes, value as TemplateContext] : scopes);
      }
    }
  }
  return out;
}

/** Checks a template once (a program file is validated when it is loaded). */
export function compileTemplate(template: string): (context: TemplateContext) => string {
  const nodes = parse(dropStandaloneTagLines(template));
  return (context) => render(nodes, [context]);
}

export function renderTemplate(template: string, context: TemplateContext): string {
  return compileTemplate(template)(context);
}
