/** The operator's page and its login form, as complete HTML documents. */
import type { AdminSnapshot } from './admin-snapshot.ts';
import { formatCount, formatTime, formatUptime, formatUsd } from './format.ts';
import { html, type SafeHtml } from './html.ts';
import { renderConversations } from './render-conversations.ts';
import { renderHealth } from './render-health.ts';
import { renderChannels, renderDailyUsage, renderUsers } from './render-usage.ts';

/** Where the stylesheet is served (a file of our own, so the page's CSP allows no inline styles). */
export const STYLESHEET_PATH = '/admin/admin.css';

function documentOf(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${title}</title><link rel="stylesheet" href="${STYLESHEET_PATH}"></head>
<body>${body}</body></html>`.value;
}

function summary(snapshot: AdminSnapshot): SafeHtml {
  const total = snapshot.usage.days.reduce(
    (sum, day) => ({
      cost: sum.cost + day.costMicroUsd,
      tokens: sum.tokens + day.promptTokens + day.completionTokens,
      calls: sum.calls + day.calls,
    }),
    { cost: 0, tokens: 0, calls: 0 },
  );
  const today = snapshot.usage.days.at(-1);
  const card = (id: string, label: string, value: string, raw: number | string) =>
    html`<div class="card"><dt>${label}</dt><dd id="${id}" data-value="${raw}">${value}</dd></div>`;
  return html`<dl class="cards" aria-label="Totals">
${card('total-cost', `cost, ${snapshot.days.length} days`, formatUsd(total.cost), total.cost)}
${card('total-tokens', `tokens, ${snapshot.days.length} days`, formatCount(total.tokens), total.tokens)}
${card('today-cost', 'cost today (UTC)', formatUsd(today?.costMicroUsd ?? 0), today?.costMicroUsd ?? 0)}
${card('total-calls', 'model calls', formatCount(total.calls), total.calls)}
${card('conversation-count', 'conversations', formatCount(snapshot.conversations.count), snapshot.conversations.count)}
${card('pending-card', 'pending turns', snapshot.pending === undefined ? '?' : formatCount(snapshot.pending), snapshot.pending ?? '')}
</dl>`;
}

/** The whole page for one snapshot. */
export function renderAdminPage(snapshot: AdminSnapshot): string {
  const { about } = snapshot;
  const storage = about.storage === 'redis' ? 'Redis' : 'in memory (this process only; lost on restart)';
  return documentOf(
    'Parley · operator',
    html`<header class="top"><div><h1>Parley · operator's view</h1>
<p class="note">As of <time datetime="${new Date(snapshot.at).toISOString()}">${formatTime(snapshot.at)}</time> · storage ${storage} · role ${about.role} · up ${formatUptime(snapshot.at - about.startedAt)}</p></div>
<form method="post" action="/admin/logout"><button type="submit">Log out</button></form></header>
<nav class="sections" aria-label="Sections"><a href="#daily">per day</a><a href="#channels">channels</a><a href="#users">people</a><a href="#conversations">conversations</a><a href="#health">queue and model</a></nav>
<main>${summary(snapshot)}${renderDailyUsage(snapshot)}${renderChannels(snapshot)}${renderUsers(snapshot)}${renderConversations(snapshot)}${renderHealth(snapshot)}</main>
<footer class="note">Raw metrics: <a href="/metrics">/metrics</a> (Prometheus). Costs come from the price table and are an estimate.</footer>`,
  );
}

/** The login form; `failed` when a wrong token was just sent. */
export function renderLoginPage(failed: boolean): string {
  return documentOf(
    'Parley · operator login',
    html`<main class="login"><h1>Parley · operator's view</h1>
<form method="post" action="/admin/login">
<label for="token">Admin token (<code>ADMIN_TOKEN</code>)</label>
<input id="token" name="token" type="password" autocomplete="current-password" required>
${failed ? html`<p class="error" role="alert" id="login-error">That token is not right.</p>` : ''}
<button type="submit">Open</button></form>
<p class="note">Scripts can send <code>Authorization: Bearer &lt;token&gt;</code> instead.</p></main>`,
  );
}
