/**
 * A safe markdown subset for chat messages, built as DOM nodes (never innerHTML).
 *
 * Blocks: paragraphs (single newlines become <br>), "-"/"*"/"+" and "1." lists, ``` fenced code,
 * "#" headings (shown as bold paragraphs). Inline: **bold**, __bold__, *italic*, _italic_, `code`,
 * [text](url) and bare http(s) URLs. Links only for http:, https: and mailto:, opened in a new tab
 * with rel="noopener noreferrer". Anything else, HTML included, is text: `<img onerror>` shows
 * as the characters you typed.
 */

export type Inline =
  | { t: 'text'; v: string }
  | { t: 'strong' | 'em'; c: Inline[] }
  | { t: 'code'; v: string }
  | { t: 'link'; href: string; c: Inline[] }
  | { t: 'br' };

export type Block =
  | { t: 'p'; c: Inline[]; heading?: boolean }
  | { t: 'ul' | 'ol'; items: Inline[][]; start?: number }
  | { t: 'pre'; v: string };

const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

/** The normalised URL if it is absolute and http(s)/mailto; null otherwise (javascript:, data:, relative ...). */
export function safeHref(raw: string): string | null {
  const text = raw.trim();
  // Control characters and spaces are never part of a link we write; parsers disagree about them.
  if (!text || /[\u0000-\u0020\u007f]/.test(text)) return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null;
}

const BULLET = /^\s{0,3}[-*+]\s+(.*)$/;
const ORDERED = /^\s{0,3}(\d{1,9})[.)]\s+(.*)$/;
const FENCE = /^\s{0,3}```/;
const HEADING = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/;

/** Parses text into blocks. Total: any input gives some blocks; nothing throws. */
export function parseMarkdown(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let para: string[] = [];
  let list: { t: 'ul' | 'ol'; items: string[]; start?: number } | null = null;

  const flush = () => {
    if (para.length) blocks.push({ t: 'p', c: parseInline(para.join('\n')) });
    para = [];
    if (list) blocks.push({ t: list.t, items: list.items.map((item) => parseInline(item)), ...(list.start !== undefined ? { start: list.start } : {}) });
    list = null;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (FENCE.test(line)) {
      flush();
      const code: string[] = [];
      while (++i < lines.length && !FENCE.test(lines[i]!)) code.push(lines[i]!);
      blocks.push({ t: 'pre', v: code.join('\n') });
      continue;
    }
    if (!line.trim()) {
      flush();
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      flush();
      blocks.push({ t: 'p', c: parseInline(heading[1]!), heading: true });
      continue;
    }
    const bullet = BULLET.exec(line);
    const ordered = bullet ? null : ORDERED.exec(line);
    if (bullet || ordered) {
      const kind = bullet ? 'ul' : 'ol';
      if (para.length || (list && list.t !== kind)) flush();
      list ??= { t: kind, items: [], ...(ordered ? { start: Number(ordered[1]) } : {}) };
      list.items.push(bullet ? bullet[1]! : ordered![2]!);
      continue;
    }
    // A plain line right after a list item continues that item (lazy continuation).
    if (list) list.items[list.items.length - 1] += `\n${line.trim()}`;
    else para.push(line);
  }
  flush();
  return blocks;
}

// Sticky regexes match at lastIndex only, so the scanner never copies the rest of the text.
const URL_START = /https?:\/\/|mailto:/iy;
const URL_BODY = /[^\s<>"]+/y;
const LINK = /\[([^[\]\n]{1,500})\]\(\s*([^\s()]{1,2048})\s*\)/y;

/** Parses one block's inline content. */
export function parseInline(text: string, allowLinks = true, depth = 0): Inline[] {
  const out: Inline[] = [];
  let buf = '';
  const pushText = (v: string) => {
    buf += v;
  };
  const flushText = () => {
    if (buf) out.push({ t: 'text', v: buf });
    buf = '';
  };
  const push = (node: Inline) => {
    flushText();
    out.push(node);
  };

  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;

    if (ch === '\\' && i + 1 < text.length && /[\\`*_[\]()#+\-.!>~|]/.test(text[i + 1]!)) {
      pushText(text[i + 1]!);
      i += 2;
      continue;
    }
    if (ch === '\n') {
      push({ t: 'br' });
      i++;
      continue;
    }
    if (ch === '`') {
      let n = i;
      while (text[n] === '`') n++;
      const ticks = text.slice(i, n);
      const end = text.indexOf(ticks, i + ticks.length);
      if (end > i) {
        push({ t: 'code', v: text.slice(i + ticks.length, end).replace(/\n/g, ' ') });
        i = end + ticks.length;
        continue;
      }
      pushText(ticks);
      i += ticks.length;
      continue;
    }
    if (depth > 6) {
      // Deeper nesting is never real formatting; bounding it keeps hostile input from recursing deeply.
    } else if ((ch === '*' || ch === '_') && text[i + 1] === ch) {
      const marker = ch + ch;
      const end = findClosing(text, marker, i + 2);
      if (end > i + 2 && text[i + 2] !== ' ' && text[end - 1] !== ' ' && (ch === '*' || isBoundary(text, i - 1))) {
        push({ t: 'strong', c: parseInline(text.slice(i + 2, end), allowLinks, depth + 1) });
        i = end + 2;
        continue;
      }
    } else if (ch === '*' || ch === '_') {
      const end = findClosing(text, ch, i + 1);
      if (
        end > i + 1 &&
        !/\s/.test(text[i + 1]!) &&
        !/\s/.test(text[end - 1]!) &&
        (ch === '*' || (isBoundary(text, i - 1) && isBoundary(text, end + 1)))
      ) {
        push({ t: 'em', c: parseInline(text.slice(i + 1, end), allowLinks, depth + 1) });
        i = end + 1;
        continue;
      }
    }
    if (ch === '[' && allowLinks) {
      LINK.lastIndex = i;
      const link = LINK.exec(text);
      if (link) {
        const href = safeHref(link[2]!);
        if (href) push({ t: 'link', href, c: parseInline(link[1]!, false, depth + 1) });
        else pushText(link[0]); // an unsafe target is shown, not linked
        i += link[0].length;
        continue;
      }
    }
    if (allowLinks && (ch === 'h' || ch === 'H' || ch === 'm' || ch === 'M') && isBoundary(text, i - 1)) {
      URL_START.lastIndex = i;
      if (URL_START.test(text)) {
        URL_BODY.lastIndex = i;
        let raw = URL_BODY.exec(text)![0];
        raw = raw.replace(/[.,;:!?'")\]*_]+$/, ''); // trailing punctuation belongs to the sentence
        const href = safeHref(raw);
        if (href && raw.length > 8) {
          push({ t: 'link', href, c: [{ t: 'text', v: raw }] });
          i += raw.length;
          continue;
        }
      }
    }
    pushText(ch);
    i++;
  }
  flushText();
  return out;
}

function findClosing(text: string, marker: string, from: number): number {
  let j = from;
  while ((j = text.indexOf(marker, j)) !== -1) {
    if (text[j - 1] !== '\\') {
      // "**" must not be the start of a longer "***" run when looking for a single "*"
      if (marker.length === 1 && text[j + 1] === marker) {
        j += 2;
        continue;
      }
      return j;
    }
    j += marker.length;
  }
  return -1;
}

/** Word boundary for "_" emphasis, so snake_case_words stay as typed. */
function isBoundary(text: string, index: number): boolean {
  const c = text[index];
  return c === undefined || !/[\p{L}\p{N}]/u.test(c);
}

// ---------------------------------------------------------------- DOM

/** Builds the DOM for `source`. Only createElement/createTextNode/setAttribute with fixed names. */
export function renderMarkdown(source: string, doc: Document = document): Node[] {
  return parseMarkdown(source).map((block) => renderBlock(block, doc));
}

function renderBlock(block: Block, doc: Document): Node {
  if (block.t === 'pre') {
    const pre = doc.createElement('pre');
    const code = doc.createElement('code');
    code.textContent = block.v;
    pre.appendChild(code);
    return pre;
  }
  if (block.t === 'p') {
    const p = doc.createElement('p');
    if (block.heading) {
      const strong = doc.createElement('strong');
      appendInline(strong, block.c, doc);
      p.appendChild(strong);
    } else appendInline(p, block.c, doc);
    return p;
  }
  const list = doc.createElement(block.t);
  if (block.t === 'ol' && block.start !== undefined && block.start !== 1) list.setAttribute('start', String(block.start));
  for (const item of block.items) {
    const li = doc.createElement('li');
    appendInline(li, item, doc);
    list.appendChild(li);
  }
  return list;
}

function appendInline(parent: Node, nodes: Inline[], doc: Document): void {
  for (const node of nodes) {
    switch (node.t) {
      case 'text':
        parent.appendChild(doc.createTextNode(node.v));
        break;
      case 'br':
        parent.appendChild(doc.createElement('br'));
        break;
      case 'code': {
        const code = doc.createElement('code');
        code.textContent = node.v;
        parent.appendChild(code);
        break;
      }
      case 'strong':
      case 'em': {
        const el = doc.createElement(node.t);
        appendInline(el, node.c, doc);
        parent.appendChild(el);
        break;
      }
      case 'link': {
        const a = doc.createElement('a');
        a.setAttribute('href', node.href);
        a.setAttribute('target', '_blank');
        a.setAttribute('rel', 'noopener noreferrer');
        appendInline(a, node.c, doc);
        parent.appendChild(a);
        break;
      }
    }
  }
}

/** Plain text of a message (for the screen-reader announcement and previews). */
export function markdownToText(source: string): string {
  const text = (nodes: Inline[]): string =>
    nodes.map((n) => (n.t === 'text' || n.t === 'code' ? n.v : n.t === 'br' ? ' ' : text(n.c))).join('');
  return parseMarkdown(source)
    .map((b) => (b.t === 'pre' ? b.v : b.t === 'p' ? text(b.c) : b.items.map(text).join('; ')))
    .join(' ')
    .trim();
}
