/** How durations and expiry read in messages and tables. */

/** "2 d 3 h", "7 h 59 min", "12 min", "45 s". */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  const seconds = Math.floor(abs / 1000);
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(minutes / 60);
  const days = Math.floor(hours / 24);
  if (seconds < 60) return `${seconds} s`;
  if (minutes < 60) return `${minutes} min`;
  if (hours < 24) return `${hours} h ${minutes % 60} min`;
  return `${days} d ${hours % 24} h`;
}

/** "in 7 h 59 min", "3 min ago"; undefined for a date that does not parse. */
export function describeExpiry(expiresAt: string, now: Date): string | undefined {
  const at = Date.parse(expiresAt);
  if (!Number.isFinite(at)) return undefined;
  const ms = at - now.getTime();
  return ms >= 0 ? `in ${formatDuration(ms)}` : `${formatDuration(ms)} ago`;
}
