import { describe, expect, it } from 'vitest';
import { compileTemplate, escapeReceiptText, renderTemplate, TemplateError } from './template.js';

describe('values', () => {
  it('inserts values, numbers and booleans; null, undefined and objects insert nothing', () => {
    expect(renderTemplate('{{a}}|{{n}}|{{t}}|{{x}}|{{u}}|{{o}}', { a: 'text', n: 42, t: true, x: null, o: { k: 'v' } })).toBe('text|42|true|||');
  });

  it('allows spaces inside the braces', () => {
    expect(renderTemplate('{{ name }} {{# show }}yes{{/ show }}', { name: 'Ann', show: true })).toBe('Ann yes');
  });

  it('dotted names walk into objects, from the innermost scope that has the first name', () => {
    const context = { member: { name: 'Ann', tier: { name: 'Gold' } }, name: 'outer' };
    expect(renderTemplate('{{member.name}} / {{member.tier.name}} / {{member.missing.name}} / {{name}}', context)).toBe('Ann / Gold /  / outer');
  });

  it('a dotted name does not index into arrays or strings', () => {
    expect(renderTemplate('[{{list.length}}][{{text.length}}]', { list: [{ a: 1 }], text: 'abc' })).toBe('[][]');
  });

  it('looks a name up in outer scopes when the inner one lacks it', () => {
    expect(renderTemplate('{{#items}}{{label}}@{{store}} {{/items}}', { store: 'S1', items: [{ label: 'a' }, { label: 'b' }] })).toBe('a@S1 b@S1 ');
  });
});

describe('escaping for ReceiptLine', () => {
  it('escapes every character with a meaning in ReceiptLine text', () => {
    // \ | { } - = ~ _ " ` ^ : escape, columns, properties, rules, spaces, underline, bold, invert, size.
    expect(escapeReceiptText('\\|{}-=~_"`^')).toBe('\\\\\\|\\{\\}\\-\\=\\~\\_\\"\\`\\^');
    for (const c of '\\|{}-=~_"`^') expect(renderTemplate('{{v}}', { v: `a${c}b` })).toBe(`a\\${c}b`);
  });

  it('drops control characters (a line break in a value cannot start a new line of markup)', () => {
    expect(escapeReceiptText('a\nb\r\tc\u0000d\u007fe\u001bf')).toBe('abcdef');
  });

  it('leaves ordinary text, Hangul and other symbols alone', () => {
    expect(escapeReceiptText('Kim Minji, 김민지 ×2 ₩5,000 (a/b) #1 @ 50% & <x>')).toBe('Kim Minji, 김민지 ×2 ₩5,000 (a/b) #1 @ 50% & <x>');
  });

  it('a value like "-" or "===" stays text (alone on a line it would be a rule or a cut)', () => {
    expect(renderTemplate('{{v}}', { v: '-' })).toBe('\\-');
    expect(renderTemplate('{{v}}', { v: '===' })).toBe('\\=\\=\\=');
  });

  it('{{{triple}}} inserts raw markup (printer command blocks)', () => {
    expect(renderTemplate('{{{block}}}', { block: '{command:\\x1b\\x40}' })).toBe('{command:\\x1b\\x40}');
    expect(renderTemplate('{{block}}', { block: '{command:\\x1b\\x40}' })).toBe('\\{command:\\\\x1b\\\\x40\\}');
  });
});

describe('sections', () => {
  it('shows a section for a truthy value and hides it for false, null, undefined, "", 0 and []', () => {
    const t = compileTemplate('{{#v}}shown{{/v}}');
    for (const v of [true, 'x', 1, { a: 1 }]) expect(t({ v })).toBe('shown');
    for (const v of [false, null, undefined, '', 0, []]) expect(t({ v })).toBe('');
  });

  it('repeats a section once per array item, with the item as the innermost scope', () => {
    expect(renderTemplate('{{#lines}}<{{label}}={{points}}>{{/lines}}', { lines: [{ label: 'a', points: '1' }, { label: 'b', points: '2' }] })).toBe('<a=1><b=2>');
  });

  it('an object section opens the object as a scope', () => {
    expect(renderTemplate('{{#tier}}{{name}} → {{next}}{{/tier}}', { tier: { name: 'Silver', next: 'Gold' } })).toBe('Silver → Gold');
  });

  it('inverted sections show when the value is empty', () => {
    const t = compileTemplate('{{^items}}none{{/items}}{{#items}}{{n}}{{/items}}');
    expect(t({ items: [] })).toBe('none');
    expect(t({})).toBe('none');
    expect(t({ items: [{ n: 1 }] })).toBe('1');
  });

  it('nests sections', () => {
    const context = { earned: { total: '10', lines: [{ label: 'Base', points: '8' }, { label: 'Bonus', points: '2' }] } };
    expect(renderTemplate('{{#earned}}T{{total}}:{{#lines}}[{{label}} {{points}}]{{/lines}}{{/earned}}', context)).toBe('T10:[Base 8][Bonus 2]');
  });
});

describe('standalone tag lines', () => {
  it('a line holding only section tags leaves no blank line behind', () => {
    const template = 'top\n{{#show}}\nmiddle\n{{/show}}\nbottom\n';
    expect(renderTemplate(template, { show: true })).toBe('top\nmiddle\nbottom\n');
    expect(renderTemplate(template, { show: false })).toBe('top\nbottom\n');
  });

  it('indentation and several tags on one standalone line are dropped too', () => {
    expect(renderTemplate('a\n  {{#x}} {{#y}}  \nb\n{{/y}}{{/x}}\nc', { x: true, y: true })).toBe('a\nb\nc');
  });

  it('a line with a value tag or text is not standalone', () => {
    expect(renderTemplate('{{#x}}{{v}}\n{{/x}}', { x: true, v: 'val' })).toBe('val\n');
    expect(renderTemplate('{{#x}} text\n{{/x}}', { x: true })).toBe(' text\n');
  });

  it('repeats whole lines for arrays', () => {
    expect(renderTemplate('{{#items}}\n{{label}} | {{points}}\n{{/items}}\nend', { items: [{ label: 'a', points: '1' }, { label: 'b', points: '2' }] })).toBe('a | 1\nb | 2\nend');
  });
});

describe('errors', () => {
  it('an unclosed section is a TemplateError naming it', () => {
    expect(() => compileTemplate('{{#earned}}text')).toThrow(TemplateError);
    expect(() => compileTemplate('{{#earned}}text')).toThrow('{{#earned}} is never closed');
    expect(() => compileTemplate('{{^none}}')).toThrow('{{^none}} is never closed');
  });

  it('a mismatched or stray closing tag is a TemplateError', () => {
    expect(() => compileTemplate('{{#a}}{{#b}}{{/a}}{{/b}}')).toThrow('{{/a}} closes {{#b}}');
    expect(() => compileTemplate('text{{/a}}')).toThrow('{{/a}} closes nothing');
    expect(() => compileTemplate('{{^a}}{{/b}}')).toThrow('{{/b}} closes {{^a}}');
  });

  it('is thrown when the template is compiled, before any slip is rendered', () => {
    let threw = false;
    try {
      compileTemplate('{{#x}}');
    } catch (error) {
      threw = error instanceof TemplateError;
    }
    expect(threw).toBe(true);
  });
});
