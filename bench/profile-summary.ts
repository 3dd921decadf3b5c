// Summarises a V8 CPU profile (.cpuprofile from `node --cpu-prof`): self time by function and by
// package/folder, the flame graph's widest boxes as text for a note.
// Run: npx tsx bench/profile-summary.ts <file.cpuprofile> [top=25]
import { readFileSync } from 'node:fs';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount: number; children?: number[] }
const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary <file.cpuprofile> [top]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const top = Number(topArg ?? 25);
const total = profile.nodes.reduce((n, node) => n + node.hitCount, 0);
const idle = profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').reduce((n, node) => n + node.hitCount, 0);
const busy = total - idle;

const where = (url: string): string => {
  if (!url) return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return url;
  const m = /\/(core|adapters|plugins|bench)\/(.*)$/.exec(url);
  return m ? `${m[1]}/${m[2]}` : url;
};
const byFn = new Map<string, number>();
const byPlace = new Map<string, number>();
for (const node of profile.nodes) {
  if (node.callFrame.functionName === '(idle)') continue;
  const place = where(node.callFrame.url);
  const fn = `${node.callFrame.functionName || '(anonymous)'}  ${place}:${node.callFrame.lineNumber + 1}`;
  byFn.set(fn, (byFn.get(fn) ?? 0) + node.hitCount);
  const group = place.split('/').slice(0, place.startsWith('core') || place.startsWith('adapters') ? 2 : 1).join('/');
  byPlace.set(group, (byPlace.get(group) ?? 0) + node.hitCount);
}
const pct = (n: number) => `${((100 * n) / busy).toFixed(1).padStart(5)} %`;
console.log(`${file}: ${busy} busy samples of ${total} (${((100 * busy) / total).toFixed(0)} % busy)`);
console.log('\nself time by package / folder');
for (const [k, v] of [...byPlace].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(v)}  ${k}`);
console.log('\nself time by function');
for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(v)}  ${k}`);

// Inclusive ("total") time: a sample counts once for every package and function on its stack, so
// plumbing that calls into native code (a socket write under a logger) shows where it starts.
const parent = new Map<number, Node>();
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node);
const inclusivePlace = new Map<string, number>();
const inclusiveFn = new Map<string, number>();
for (const node of profile.nodes) {
  if (node.hitCount === 0 || node.callFrame.functionName === '(idle)') continue;
  const places = new Set<string>();
  const fns = new Set<string>();
  for (let at: Node | undefined = byId.get(node.id); at; at = parent.get(at.id)) {
    const place = where(at.callFrame.url);
    if (at.callFrame.url) places.add(place.split('/').slice(0, place.startsWith('core') || place.startsWith('adapters') ? 2 : 1).join('/'));
    if (at.callFrame.url && !at.callFrame.url.startsWith('node:')) fns.add(`${at.callFrame.functionName || '(anonymous)'}  ${place}:${at.callFrame.lineNumber + 1}`);
  }
  for (const p of places) inclusivePlace.set(p, (inclusivePlace.get(p) ?? 0) + node.hitCount);
  for (const f of fns) inclusiveFn.set(f, (inclusiveFn.get(f) ?? 0) + node.hitCount);
}
console.log('\ntotal time (self + callees) by package / folder');
for (const [k, v] of [...inclusivePlace].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(v)}  ${k}`);
console.log('\ntotal time (self + callees) by function (our code and packages)');
for (const [k, v] of [...inclusiveFn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(v)}  ${k}`);
