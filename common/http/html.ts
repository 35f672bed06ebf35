/**
 * Tiny HTML building blocks for the daemons' status pages: escaping, tables, a page layout with
 * inline CSS, and an inline SVG bar chart. Everything is rendered on the server into one
 * self-contained document — no scripts, fonts or stylesheets from anywhere else.
 */

export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Bytes → "1.5 MiB"; binary units as the rest of Basalt reports sizes. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${Math.max(0, Math.round(bytes || 0))} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1_000)} s`;
  return `${Math.floor(ms / 3_600_000)} h ${Math.round((ms % 3_600_000) / 60_000)} min`;
}

/** A row key shown to people: printable ASCII as is, other bytes as \xNN (HBase's toStringBinary). */
export function printableKey(key: Uint8Array): string {
  let out = '';
  for (const b of key) out += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0').toUpperCase()}`;
  return out;
}

/** Cells are already-escaped HTML (use escapeHtml on text). */
export function htmlTable(id: string, headers: string[], rows: string[][], empty = 'none'): string {
  if (rows.length === 0) return `<p class="empty" id="${escapeHtml(id)}">${escapeHtml(empty)}</p>`;
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table id="${escapeHtml(id)}"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export interface BarSeries {
  label: string;
  values: number[];
  color: string;
}

/**
 * A grouped horizontal bar chart as inline SVG: one group per category, one bar per series, each
 * series scaled to its own maximum (regions and requests/s have different units), values printed.
 */
export function svgBarChart(id: string, categories: string[], series: BarSeries[], title: string): string {
  const barHeight = 14;
  const gap = 4;
  const labelWidth = 190;
  const plotWidth = 380;
  const groupHeight = series.length * (barHeight + 2) + gap * 2;
  const legendHeight = 20;
  const height = legendHeight + Math.max(1, categories.length) * groupHeight + 4;
  const width = labelWidth + plotWidth + 90;
  const parts: string[] = [];
  parts.push(`<svg id="${escapeHtml(id)}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(title)}">`);
  parts.push(`<title>${escapeHtml(title)}</title>`);
  series.forEach((s, i) => {
    const x = labelWidth + i * 150;
    parts.push(`<rect x="${x}" y="4" width="10" height="10" fill="${s.color}"/><text x="${x + 14}" y="13" font-size="12">${escapeHtml(s.label)}</text>`);
  });
  categories.forEach((category, c) => {
    const y0 = legendHeight + c * groupHeight + gap;
    parts.push(`<text x="${labelWidth - 6}" y="${y0 + groupHeight / 2}" font-size="12" text-anchor="end">${escapeHtml(category)}</text>`);
    series.forEach((s, i) => {
      const max = Math.max(...s.values, 0);
      const v = s.values[c] ?? 0;
      const w = max > 0 ? Math.max(1, Math.round((v / max) * plotWidth)) : 0;
      const y = y0 + i * (barHeight + 2);
      parts.push(`<rect class="bar" data-series="${escapeHtml(s.label)}" data-category="${escapeHtml(category)}" data-value="${v}" x="${labelWidth}" y="${y}" width="${w}" height="${barHeight}" fill="${s.color}"/>`);
      parts.push(`<text x="${labelWidth + w + 4}" y="${y + barHeight - 3}" font-size="11">${escapeHtml(Number.isInteger(v) ? v : v.toFixed(1))}</text>`);
    });
  });
  parts.push('</svg>');
  return parts.join('');
}

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2329;background:#fafbfc}
header{background:#2b3a4a;color:#fff;padding:12px 24px}
header h1{margin:0;font-size:20px}header p{margin:4px 0 0;font-size:13px;color:#c9d4df}
main{padding:8px 24px 32px}
h2{font-size:16px;border-bottom:1px solid #d0d7de;padding-bottom:4px;margin-top:28px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef1f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
dl.summary{display:grid;grid-template-columns:max-content auto;gap:4px 16px;font-size:14px}
dl.summary dt{font-weight:600}dl.summary dd{margin:0}
.empty{color:#6a737d;font-style:italic}.warn{color:#b35900;font-weight:600}.bad{color:#c62828;font-weight:600}
code{font-size:12px}
`;

export function htmlPage(title: string, subtitle: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${CSS}</style></head>
<body><header><h1>${escapeHtml(title)}</h1><p>${escapeHtml(subtitle)}</p></header><main>
${body}
</main></body></html>
`;
}

export const num = (n: number): string => `<span>${escapeHtml(Number.isInteger(n) ? n : n.toFixed(1))}</span>`;
