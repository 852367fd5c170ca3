/**
 * Charts as inline SVG rendered on the server: no script, no library, nothing fetched. Each chart is an image
 * with a title for assistive technology; the page puts a table of the same numbers beside it. Every bar carries
 * its value in `data-value` and a `<title>` (the tooltip), so what is drawn can be checked against the data.
 */
import { html, type SafeHtml } from './html.ts';

/** One series of a bar chart: one value per label. */
export interface ChartSeries {
  /** Name shown in the legend and tooltips. */
  name: string;
  /** CSS class that colours its bars (`series-a`, `series-b`). */
  className: string;
  /** Values, one per label. */
  values: number[];
}

/** A bar chart over days (or any labels), bars stacked when there are several series. */
export interface BarChartOptions {
  /** Element id (the title's id derives from it). */
  id: string;
  /** What the chart shows, read by screen readers. */
  title: string;
  /** One label per bar (e.g. `2026-11-22`). */
  labels: string[];
  /** Series stacked in each bar, bottom first. */
  series: ChartSeries[];
  /** Formats a value for the axis and tooltips. */
  format(value: number): string;
}

const WIDTH = 720;
const HEIGHT = 220;
const PAD = { left: 8, right: 8, top: 24, bottom: 28 };

/** A stacked bar chart with the maximum on top and every fifth label along the bottom. */
export function barChart(options: BarChartOptions): SafeHtml {
  const { labels, series } = options;
  const totals = labels.map((_, index) => series.reduce((sum, one) => sum + (one.values[index] ?? 0), 0));
  const max = Math.max(0, ...totals);
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotWidth / Math.max(1, labels.length);
  const barWidth = Math.max(1, slot * 0.72);
  const scale = (value: number) => (max > 0 ? (value / max) * plotHeight : 0);

  const bars = labels.map((label, index) => {
    let base = HEIGHT - PAD.bottom;
    const x = PAD.left + index * slot + (slot - barWidth) / 2;
    return series.map((one) => {
      const value = one.values[index] ?? 0;
      const height = scale(value);
      base -= height;
      return html`<rect class="bar ${one.className}" x="${x.toFixed(1)}" y="${base.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${height.toFixed(1)}" data-label="${label}" data-series="${one.name}" data-value="${value}"><title>${label} · ${one.name}: ${options.format(value)}</title></rect>`;
    });
  });
  const ticks = labels.map((label, index) =>
    index % 5 === 0 || index === labels.length - 1
      ? html`<text class="tick" x="${(PAD.left + index * slot + slot / 2).toFixed(1)}" y="${HEIGHT - 8}" text-anchor="middle">${label.slice(5)}</text>`
      : '',
  );
  const legend =
    series.length > 1
      ? series.map(
          (one, index) =>
            html`<tspan class="${one.className}-text" dx="${index === 0 ? 0 : 12}">■ ${one.name}</tspan>`,
        )
      : '';
  return html`<svg class="chart" id="${options.id}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="${options.id}-title">
<title id="${options.id}-title">${options.title}</title>
<line class="axis" x1="${PAD.left}" y1="${HEIGHT - PAD.bottom}" x2="${WIDTH - PAD.right}" y2="${HEIGHT - PAD.bottom}"/>
<text class="tick" x="${PAD.left}" y="14">max ${options.format(max)}</text>
<text class="tick legend" x="${WIDTH - PAD.right}" y="14" text-anchor="end">${legend}</text>
${bars}${ticks}</svg>`;
}

/** A tiny bar series for a table row; decorative (the row states the numbers), so hidden from screen readers. */
export function sparkline(values: number[], format: (value: number) => string, labels: string[]): SafeHtml {
  const width = 120;
  const height = 24;
  const max = Math.max(0, ...values);
  const slot = width / Math.max(1, values.length);
  // Only days with usage are drawn: a month of mostly idle days stays a few bytes per row.
  const bars = values.map((value, index) => {
    if (!(value > 0)) return '';
    const barHeight = Math.max(1, (value / max) * height);
    return html`<rect x="${(index * slot).toFixed(1)}" y="${(height - barHeight).toFixed(1)}" width="${Math.max(1, slot - 1).toFixed(1)}" height="${barHeight.toFixed(1)}" data-value="${value}"><title>${labels[index] ?? ''}: ${format(value)}</title></rect>`;
  });
  return html`<svg class="spark" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" aria-hidden="true" focusable="false">${bars}</svg>`;
}

/** A horizontal bar for a share of the largest value, e.g. beside a count in a table. */
export function meterBar(value: number, max: number): SafeHtml {
  const width = max > 0 ? Math.max(value > 0 ? 1 : 0, (value / max) * 100) : 0;
  return html`<svg class="meter" viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true" focusable="false"><rect width="${width.toFixed(1)}" height="8"/></svg>`;
}
