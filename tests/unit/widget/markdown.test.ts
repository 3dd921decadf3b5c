// @vitest-environment happy-dom
// The message renderer: the allowed subset renders, everything else stays text.
import { describe, expect, it } from 'vitest';
import { markdownToText, parseMarkdown, renderMarkdown, safeHref } from '../../../widget/src/panel/markdown.ts';

const ALLOWED_TAGS = new Set(['P', 'STRONG', 'EM', 'CODE', 'PRE', 'UL', 'OL', 'LI', 'A', 'BR']);
const ALLOWED_ATTRS = new Set(['href', 'target', 'rel', 'start']);

function render(source: string): HTMLElement {
  const root = document.createElement('div');
  root.append(...renderMarkdown(source));
  return root;
}

/** Every element in the output is from the subset, with only the attributes we set. */
function assertInert(root: HTMLElement) {
  for (const el of root.querySelectorAll('*')) {
    expect(ALLOWED_TAGS.has(el.tagName), `unexpected <${el.tagName.toLowerCase()}>`).toBe(true);
    for (const attr of el.getAttributeNames()) expect(ALLOWED_ATTRS.has(attr), `unexpected attribute ${attr}`).toBe(true);
    if (el.tagName === 'A') {
      expect(el.getAttribute('href')).toMatch(/^(https?:|mailto:)/);
      expect(el.getAttribute('rel')).toBe('noopener noreferrer');
      expect(el.getAttribute('target')).toBe('_blank');
    }
  }
}

const PAYLOADS = [
  '<img src=x onerror=alert(1)>',
  '<script>alert(1)</script>',
  '<svg onload=alert(1)>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<a href="javascript:alert(1)">x</a>',
  '[click](javascript:alert(1))',
  '[click](JaVaScRiPt:alert(1))',
  '[click](java\tscript:alert(1))',
  '[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '[click](vbscript:msgbox(1))',
  '[click](//evil.example/x)',
  '[x](https://ok.example/"onmouseover="alert(1))',
  '**<img src=x onerror=alert(1)>**',
  '`<script>alert(1)</script>`',
  '- <b onclick=alert(1)>item</b>',
  '```\n<script>alert(1)</script>\n```',
  '&lt;img src=x onerror=alert(1)&gt;',
  '<style>*{display:none}</style>',
  '![img](https://example.com/x.png)',
  'javascript:alert(1)',
];

describe('markdown renderer safety', () => {
  it.each(PAYLOADS)('keeps %j inert', (payload) => {
    const root = render(payload);
    assertInert(root);
    expect(root.querySelector('img, script, svg, iframe, style, b')).toBeNull();
  });

  it('shows HTML as the characters typed', () => {
    const root = render('<img src=x onerror=alert(1)> and <script>alert(2)</script>');
    expect(root.textContent).toBe('<img src=x onerror=alert(1)> and <script>alert(2)</script>');
    expect(root.children).toHaveLength(1);
    expect(root.firstElementChild!.childElementCount).toBe(0);
  });

  it('leaves an unsafe link as text instead of linking it', () => {
    const root = render('see [here](javascript:alert(1)) now');
    expect(root.querySelector('a')).toBeNull();
    expect(root.textContent).toBe('see [here](javascript:alert(1)) now');
  });

  it('accepts only absolute http, https and mailto targets', () => {
    expect(safeHref('https://shop.example/a?b=1')).toBe('https://shop.example/a?b=1');
    expect(safeHref('http://shop.example')).toBe('http://shop.example/');
    expect(safeHref('mailto:help@shop.example')).toBe('mailto:help@shop.example');
    for (const bad of ['javascript:alert(1)', ' javascript:alert(1)', 'data:text/html,x', '/relative', '//proto.relative', 'ftp://x', 'java\nscript:x', 'blob:https://x/1']) {
      expect(safeHref(bad), bad).toBeNull();
    }
  });
});

describe('markdown subset', () => {
  it('renders paragraphs, line breaks, bold, italic and code', () => {
    const root = render('Hello **bold** and *it* and _also_ and `x < y`\nnext line\n\nSecond __strong__ paragraph');
    const [p1, p2] = root.querySelectorAll('p');
    expect(root.querySelectorAll('p')).toHaveLength(2);
    expect(p1!.querySelector('strong')!.textContent).toBe('bold');
    expect([...p1!.querySelectorAll('em')].map((e) => e.textContent)).toEqual(['it', 'also']);
    expect(p1!.querySelector('code')!.textContent).toBe('x < y');
    expect(p1!.querySelector('br')).not.toBeNull();
    expect(p2!.querySelector('strong')!.textContent).toBe('strong');
  });

  it('renders bullet and numbered lists with lazy continuation lines', () => {
    const root = render('Options:\n- one\n- two\n  still two\n\n3. third\n4. fourth');
    const ul = root.querySelector('ul')!;
    expect([...ul.querySelectorAll('li')].map((li) => li.textContent)).toEqual(['one', 'twostill two']);
    const ol = root.querySelector('ol')!;
    expect(ol.getAttribute('start')).toBe('3');
    expect([...ol.querySelectorAll('li')].map((li) => li.textContent)).toEqual(['third', 'fourth']);
  });

  it('links markdown links and bare URLs, opening them safely in a new tab', () => {
    const root = render('Read [our guide](https://shop.example/guide) or https://shop.example/faq. Mail mailto:help@shop.example');
    assertInert(root);
    const links = [...root.querySelectorAll('a')];
    expect(links.map((a) => [a.getAttribute('href'), a.textContent])).toEqual([
      ['https://shop.example/guide', 'our guide'],
      ['https://shop.example/faq', 'https://shop.example/faq'],
      ['mailto:help@shop.example', 'mailto:help@shop.example'],
    ]);
    expect(root.textContent).toContain('faq. Mail'); // trailing dot stays in the sentence
  });

  it('keeps snake_case words and lone asterisks as typed', () => {
    expect(render('use my_var_name and 2 * 3 * 4').textContent).toBe('use my_var_name and 2 * 3 * 4');
    expect(render('use my_var_name').querySelector('em')).toBeNull();
  });

  it('renders fenced code blocks verbatim and headings as bold paragraphs', () => {
    const root = render('## Sizes\n```\nS < M < L\n**not bold**\n```');
    expect(root.querySelector('p > strong')!.textContent).toBe('Sizes');
    expect(root.querySelector('pre > code')!.textContent).toBe('S < M < L\n**not bold**');
  });

  it('is total: unbalanced markers, deep nesting and huge input parse without throwing', () => {
    for (const s of ['**unclosed', '`', '[a](', '*'.repeat(5000), '**a '.repeat(2000), '[x]('.repeat(1000), '\n'.repeat(1000)]) {
      expect(() => assertInert(render(s))).not.toThrow();
    }
    expect(parseMarkdown('')).toEqual([]);
  });

  it('gives plain text for announcements', () => {
    expect(markdownToText('Hi **there**, see [docs](https://x.example)\n- a\n- b')).toBe('Hi there, see docs a; b');
  });
});
