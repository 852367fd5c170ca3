/** The usage sections of the operator's page: the daily charts with their tables, and the ranked channels and users. */
import type { OwnerCounters } from '../usage/day-counters.ts';
import { type AdminSnapshot, PAGE_SIZE } from './admin-snapshot.ts';
import { formatCount, formatUsd } from './format.ts';
import { html, type SafeHtml } from './html.ts';
import { barChart, sparkline } from './render-charts.ts';
import { pager } from './render-pager.ts';
import type { RankingPage } from './usage-overview.ts';

const tokensOf = (counters: OwnerCounters) => counters.promptTokens + counters.completionTokens;

/** Cost and tokens per day over the covered days, each chart followed by the table it draws. */
export function renderDailyUsage(snapshot: AdminSnapshot): SafeHtml {
  const { days } = snapshot;
  const perDay = snapshot.usage.days;
  const costChart = barChart({
    id: 'chart-cost',
    title: `Cost per day, last ${days.length} days (UTC)`,
    labels: days,
    series: [{ name: 'cost', className: 'series-a', values: perDay.map((day) => day.costMicroUsd) }],
    format: formatUsd,
  });
  const tokenChart = barChart({
    id: 'chart-tokens',
    title: `Tokens per day, last ${days.length} days (UTC)`,
    labels: days,
    series: [
      { name: 'prompt', className: 'series-a', values: perDay.map((day) => day.promptTokens) },
      { name: 'completion', className: 'series-b', values: perDay.map((day) => day.completionTokens) },
    ],
    format: formatCount,
  });
  const rows = days.map((day, index) => {
    const counters = perDay[index]!;
    return html`<tr data-day="${day}"><th scope="row">${day}</th><td class="num" data-field="cost" data-value="${counters.costMicroUsd}">${formatUsd(counters.costMicroUsd)}</td><td class="num" data-field="prompt" data-value="${counters.promptTokens}">${formatCount(counters.promptTokens)}</td><td class="num" data-field="completion" data-value="${counters.completionTokens}">${formatCount(counters.completionTokens)}</td><td class="num" data-field="calls" data-value="${counters.calls}">${formatCount(counters.calls)}</td></tr>`;
  });
  return html`<section id="daily" aria-labelledby="daily-heading">
<h2 id="daily-heading">Cost and tokens per day</h2>
<div class="charts"><figure>${costChart}<figcaption>Cost per UTC day, all channels (USD, from the price table).</figcaption></figure>
<figure>${tokenChart}<figcaption>Prompt and completion tokens per UTC day.</figcaption></figure></div>
<details><summary>The numbers behind the charts</summary><div class="scroll"><table id="daily-table"><caption>Usage per UTC day</caption>
<thead><tr><th scope="col">day</th><th scope="col">cost</th><th scope="col">prompt tokens</th><th scope="col">completion tokens</th><th scope="col">model calls</th></tr></thead>
<tbody>${rows.reverse()}</tbody></table></div></details></section>`;
}

interface RankingOptions {
  /** Section id and URL parameter of its page (`channels`, `users`). */
  name: 'channels' | 'users';
  /** Heading. */
  heading: string;
  /** Column header of the ID. */
  idLabel: string;
  /** What acts on one row, if anything. */
  actions?(id: string): SafeHtml;
}

function renderRanking(snapshot: AdminSnapshot, ranking: RankingPage, options: RankingOptions): SafeHtml {
  const page = snapshot.pages[options.name];
  const first = (page - 1) * PAGE_SIZE;
  const rows = ranking.rows.map((owner, index) => {
    const costs = owner.daily.map((day) => day.costMicroUsd);
    const tokens = owner.daily.map(tokensOf);
    const hasCost = owner.total.costMicroUsd > 0;
    return html`<tr data-id="${owner.id}"><td class="num">${first + index + 1}</td><th scope="row"><code>${owner.id}</code></th>
<td class="num" data-field="cost" data-value="${owner.total.costMicroUsd}">${formatUsd(owner.total.costMicroUsd)}</td>
<td class="num" data-field="tokens" data-value="${tokensOf(owner.total)}">${formatCount(tokensOf(owner.total))}</td>
<td class="num" data-field="calls" data-value="${owner.total.calls}">${formatCount(owner.total.calls)}</td>
<td>${hasCost ? sparkline(costs, formatUsd, snapshot.days) : sparkline(tokens, formatCount, snapshot.days)}</td>
${options.actions ? html`<td>${options.actions(owner.id)}</td>` : ''}</tr>`;
  });
  const empty = html`<tr><td colspan="${options.actions ? 7 : 6}">No usage in the last ${snapshot.days.length} days.</td></tr>`;
  return html`<section id="${options.name}" aria-labelledby="${options.name}-heading">
<h2 id="${options.name}-heading">${options.heading}</h2>
<p class="note">${formatCount(ranking.count)} with usage in the last ${snapshot.days.length} days, most expensive first. The bars show each day (cost, or tokens for models without a price).</p>
<div class="scroll"><table id="${options.name}-table"><caption>${options.heading}, page ${page}</caption>
<thead><tr><th scope="col">#</th><th scope="col">${options.idLabel}</th><th scope="col">cost</th><th scope="col">tokens</th><th scope="col">calls</th><th scope="col">per day</th>${options.actions ? html`<th scope="col">act on it</th>` : ''}</tr></thead>
<tbody>${rows.length > 0 ? rows : empty}</tbody></table></div>
${pager(snapshot.pages, options.name, ranking.count)}</section>`;
}

/** Channels (channel-level scopes: a channel, a DM, a terminal session) ranked by cost. */
export function renderChannels(snapshot: AdminSnapshot): SafeHtml {
  return renderRanking(snapshot, snapshot.usage.channels, {
    name: 'channels',
    heading: 'Channels',
    idLabel: 'channel',
    actions: () =>
      html`<details><summary>commands</summary><p>In the channel: <code>/forget</code> explains, <code>/forget confirm</code> deletes its conversations, persona and usage. <code>/usage</code> shows today's.</p></details>`,
  });
}

/** Users ranked by cost across every channel. */
export function renderUsers(snapshot: AdminSnapshot): SafeHtml {
  return renderRanking(snapshot, snapshot.usage.users, { name: 'users', heading: 'People', idLabel: 'user' });
}
