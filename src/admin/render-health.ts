/** The health section: pending turns, queue wait and model latency, turns by outcome, errors by kind, feedback. */
import type { AdminSnapshot } from './admin-snapshot.ts';
import { formatCount, formatSeconds } from './format.ts';
import { html, type SafeHtml } from './html.ts';
import type { LatencySummary } from './metrics-summary.ts';
import { meterBar } from './render-charts.ts';

/** A percentile, or `> 120 s` when it lies past the histogram's last bound. */
function formatPercentile(seconds: number, ceiling: number): string {
  return seconds === Number.POSITIVE_INFINITY ? `> ${formatSeconds(ceiling)}` : formatSeconds(seconds);
}

function latencyTable(id: string, caption: string, labelHeader: string, rows: LatencySummary[]): SafeHtml {
  if (rows.length === 0)
    return html`<p class="note" id="${id}">${caption}: nothing measured by this process yet.</p>`;
  const body = rows.map(
    (row) =>
      html`<tr data-id="${row.label}"><th scope="row">${row.label}</th><td class="num" data-field="count" data-value="${row.count}">${formatCount(row.count)}</td><td class="num">${formatSeconds(row.mean)}</td><td class="num" data-field="p50">${formatPercentile(row.p50, row.ceiling)}</td><td class="num" data-field="p95">${formatPercentile(row.p95, row.ceiling)}</td><td class="num" data-field="p99">${formatPercentile(row.p99, row.ceiling)}</td></tr>`,
  );
  return html`<div class="scroll"><table id="${id}"><caption>${caption}</caption><thead><tr><th scope="col">${labelHeader}</th><th scope="col">count</th><th scope="col">mean</th><th scope="col">p50</th><th scope="col">p95</th><th scope="col">p99</th></tr></thead><tbody>${body}</tbody></table></div>`;
}

function countTable(
  id: string,
  caption: string,
  labelHeader: string,
  rows: Array<{ label: string; count: number }>,
  none: string,
): SafeHtml {
  if (rows.length === 0) return html`<p class="note" id="${id}">${none}</p>`;
  const max = Math.max(...rows.map((row) => row.count));
  const body = rows.map(
    (row) =>
      html`<tr data-id="${row.label}"><th scope="row">${row.label}</th><td class="num" data-field="count" data-value="${row.count}">${formatCount(row.count)}</td><td class="bar-cell">${meterBar(row.count, max)}</td></tr>`,
  );
  return html`<div class="scroll"><table id="${id}"><caption>${caption}</caption><thead><tr><th scope="col">${labelHeader}</th><th scope="col">count</th><th scope="col"><span class="visually-hidden">share</span></th></tr></thead><tbody>${body}</tbody></table></div>`;
}

export function renderHealth(snapshot: AdminSnapshot): SafeHtml {
  const { metrics, pending } = snapshot;
  const pendingText = pending === undefined ? 'unknown (the queue did not answer)' : formatCount(pending);
  return html`<section id="health" aria-labelledby="health-heading">
<h2 id="health-heading">Queue, model and errors</h2>
<p class="note">Pending turns are read from the queue (all processes). Latency, outcomes and errors are this process's own, since it started; Grafana shows them over time and across processes.</p>
<p class="big-number">Pending turns: <strong id="pending-turns" data-value="${pending ?? ''}">${pendingText}</strong></p>
<div class="grid">
<div>${latencyTable('queue-wait-table', 'Queue wait (received → processing)', 'turns', metrics.queueWait)}</div>
<div>${latencyTable('model-latency-table', 'Model latency (retries included)', 'model', metrics.modelLatency)}</div>
<div>${countTable('turns-table', 'Turns by outcome', 'outcome', metrics.turns, 'No turns processed by this process yet.')}</div>
<div>${countTable('errors-table', 'Errors by kind', 'kind', metrics.errors, 'No errors counted by this process.')}</div>
<div>${countTable('feedback-table', 'Feedback on answers (up 👍, down 👎)', 'value', metrics.feedback, 'No feedback given through this process yet.')}</div>
</div></section>`;
}
