/** How the operator's page writes numbers: USD, counts and durations. */

const counts = new Intl.NumberFormat('en-US');
const dollars = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** `12,345`. */
export function formatCount(value: number): string {
  return counts.format(value);
}

/** Micro-USD as dollars with enough digits that small model bills do not read as $0.00. */
export function formatUsd(microUsd: number): string {
  const usd = microUsd / 1_000_000;
  if (microUsd === 0) return '$0';
  if (usd < 0.01) return `$${usd.toFixed(6)}`;
  if (usd < 100) return `$${usd.toFixed(4)}`;
  return `$${dollars.format(usd)}`;
}

/** Seconds as `340 ms` or `2.41 s`; `—` when unknown. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 10) return `${seconds.toFixed(2)} s`;
  if (seconds < 120) return `${Math.round(seconds)} s`;
  return formatUptime(seconds * 1000);
}

/** A duration in ms as `3 d 4 h`, `5 h 12 min` or `42 s`. */
export function formatUptime(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const [days, hours, minutes] = [
    Math.floor(seconds / 86_400),
    Math.floor(seconds / 3600) % 24,
    Math.floor(seconds / 60) % 60,
  ];
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${minutes} min`;
  if (minutes > 0) return `${minutes} min`;
  return `${seconds} s`;
}

/** `2026-11-22 14:03 UTC`. */
export function formatTime(at: number): string {
  return `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
