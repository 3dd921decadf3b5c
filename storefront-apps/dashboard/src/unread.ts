/** Unread = messages since this member last opened the conversation (kept in this browser). */
const KEY = 'concierge:dashboard:seen';
let seen: Record<string, number> = {};
try {
  seen = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Record<string, number>;
} catch {
  seen = {};
}
export const unreadOf = (id: string, messageCount: number) => Math.max(0, messageCount - (seen[id] ?? 0));
export function markSeen(id: string, messageCount: number) {
  seen[id] = messageCount;
  try {
    localStorage.setItem(KEY, JSON.stringify(seen));
  } catch {
    /* not remembered */
  }
}
