const NUMERIC = /^(-|[-+]?[\d.,]+(e[-+]?\d+)?\s?(%|x|ms|KiB|MiB|k|M|G)?)$/;

/** Aligned plain-text tables for command output: numeric columns right-aligned, text columns left-aligned. */
export function textTable(header: string[], rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map(String));
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((r) => (r[c] ?? '').length)));
  const right = header.map((_, c) => c > 0 && cells.length > 0 && cells.every((r) => NUMERIC.test(r[c] ?? '')));
  const line = (r: string[]) => r.map((cell, c) => (right[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export function fixed(v: number, digits = 3): string {
  return Number.isFinite(v) ? v.toFixed(digits) : '-';
}

/** 1234567 -> 1.23M */
export function compact(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}
