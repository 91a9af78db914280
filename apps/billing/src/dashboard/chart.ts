// A stacked bar chart as inline SVG, drawn on the server: one bar per day, one colored segment per
// series, with a legend. No script, no build step; every label goes through the escaping template.
import { html, type Html } from './html.js';

export interface ChartBar {
  readonly label: string;
  readonly values: Readonly<Record<string, number>>;
}

const PALETTE = [
  '#2e9d5b',
  '#d9534f',
  '#f0ad4e',
  '#8e6cc1',
  '#5bc0de',
  '#c76e9b',
  '#9a7b4f',
  '#6f8fa8',
  '#b5b83a',
  '#444',
];

export function stackedBarChart(bars: readonly ChartBar[], series: readonly string[], title: string): Html {
  const width = 900;
  const height = 260;
  const left = 40;
  const bottom = 40;
  const plotHeight = height - bottom - 10;
  const totals = bars.map((bar) => series.reduce((sum, s) => sum + (bar.values[s] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const slot = (width - left) / Math.max(1, bars.length);
  const barWidth = Math.max(2, slot * 0.7);
  const color = (i: number) => PALETTE[i % PALETTE.length] ?? '#444';
  const columns = bars.map((bar, b) => {
    let y = height - bottom;
    const x = left + b * slot + (slot - barWidth) / 2;
    const segments = series.map((s, i) => {
      const value = bar.values[s] ?? 0;
      const h = (value / max) * plotHeight;
      y -= h;
      return value === 0
        ? null
        : html`<rect
            x="${x.toFixed(1)}"
            y="${y.toFixed(1)}"
            width="${barWidth.toFixed(1)}"
            height="${h.toFixed(1)}"
            fill="${color(i)}"
            ><title>${bar.label} ${s}: ${value}</title></rect
          >`;
    });
    const showLabel = bars.length <= 16 || b % Math.ceil(bars.length / 16) === 0;
    return html`${segments}${showLabel ? html`<text x="${(x + barWidth / 2).toFixed(1)}" y="${height - bottom + 14}" font-size="10" text-anchor="middle">${bar.label.slice(5)}</text>` : null}`;
  });
  const legend = series.map(
    (s, i) =>
      html`<rect
          x="${left + (i % 4) * 215}"
          y="${height - 14 + Math.floor(i / 4) * 14}"
          width="10"
          height="10"
          fill="${color(i)}"
        ></rect
        ><text x="${left + (i % 4) * 215 + 14}" y="${height - 5 + Math.floor(i / 4) * 14}" font-size="11"
          >${s}</text
        >`,
  );
  const legendRows = Math.ceil(series.length / 4);
  return html`<svg
    xmlns="http://www.w3.org/2000/svg"
    role="img"
    aria-label="${title}"
    width="${width}"
    height="${height + (legendRows - 1) * 14}"
    viewBox="0 0 ${width} ${height + (legendRows - 1) * 14}"
    style="background:#fff;border:1px solid #e3e3e8"
  >
    <text x="4" y="14" font-size="11">${max}</text>
    <text x="4" y="${height - bottom}" font-size="11">0</text>
    <line x1="${left}" y1="${height - bottom}" x2="${width}" y2="${height - bottom}" stroke="#999"></line>
    ${columns}${legend}
  </svg>`;
}
