// Prints benchmark records ({ suite, case, metric, value, unit, vs, ratio }) as an aligned text table.
'use strict';

function formatValue(v) {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'number') return String(v);
  if (Math.abs(v) >= 100) return v.toFixed(1);
  if (Math.abs(v) >= 1) return v.toFixed(3);
  return v.toPrecision(3);
}

function formatTable(records) {
  const header = ['case', 'metric', 'value', 'unit', 'vs', 'ratio'];
  const rows = records.map((r) => [
    r.case,
    r.metric,
    formatValue(r.value),
    r.unit || '',
    r.vs || '',
    r.ratio === null || r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => '   ' + cells.map((c, i) => (i === 2 || i === 5 ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

module.exports = { formatTable, formatValue };
