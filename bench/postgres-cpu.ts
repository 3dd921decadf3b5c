// CPU time of this machine's PostgreSQL processes, read from /proc (Linux). A benchmark takes it
// before and after a phase and divides by the requests, next to the server's own CPU per request:
// on a 2-core machine the database's share decides a write path's rate as much as ours.
import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of this machine's PostgreSQL processes so far (ms), or undefined when none run here.
 * Backends that exit during a phase take their time with them: a pool keeps its own.
 */
export function postgresCpuMs(): number | undefined {
  let ticks = 0;
  let found = false;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      if (!stat.slice(stat.indexOf('(') + 1, close).startsWith('postgres')) continue;
      const fields = stat.slice(close + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
      found = true;
    } catch {
      /* the process ended meanwhile */
    }
  }
  return found ? (ticks * 1000) / 100 : undefined; // USER_HZ is 100 on Linux
}

/** "   PostgreSQL CPU 0.571 ms/request" for a phase, or '' when PostgreSQL does not run on this machine. */
export function postgresCpuPerRequest(before: number | undefined, after: number | undefined, requests: number): string {
  if (before === undefined || after === undefined) return '';
  return `   PostgreSQL CPU ${((after - before) / Math.max(1, requests)).toFixed(3)} ms/request`;
}
