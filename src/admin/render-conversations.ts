/** The conversations section: one page of sessions with their usage and the CLI commands that act on each. */
import type { AdminSnapshot } from './admin-snapshot.ts';
import { PAGE_SIZE } from './admin-snapshot.ts';
import { formatCount, formatTime, formatUsd } from './format.ts';
import { html, type SafeHtml } from './html.ts';
import { pager } from './render-pager.ts';

/** The `parley` CLI commands for one session (the file name keeps to characters every shell and OS accept). */
export function sessionCommands(sessionId: string): { export: string; forget: string } {
  const file = `${sessionId.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;
  return { export: `npx parley export ${sessionId} --out ${file}`, forget: `npx parley forget ${sessionId}` };
}

export function renderConversations(snapshot: AdminSnapshot): SafeHtml {
  const { count, rows } = snapshot.conversations;
  const first = (snapshot.pages.conversations - 1) * PAGE_SIZE;
  const body = rows.map((row, index) => {
    const tokens = row.usage.promptTokens + row.usage.completionTokens;
    const costMicroUsd = Math.round(row.usage.costUsd * 1_000_000);
    const commands = sessionCommands(row.sessionId);
    return html`<tr data-id="${row.sessionId}"><td class="num">${first + index + 1}</td><th scope="row"><code>${row.sessionId}</code></th>
<td><time datetime="${new Date(row.lastActiveAt).toISOString()}">${formatTime(row.lastActiveAt)}</time></td>
<td class="num" data-field="messages" data-value="${row.messages}">${formatCount(row.messages)}</td>
<td class="num" data-field="tokens" data-value="${tokens}">${formatCount(tokens)}</td>
<td class="num" data-field="cost" data-value="${costMicroUsd}">${formatUsd(costMicroUsd)}</td>
<td><details><summary>commands</summary><code class="command" data-command="export">${commands.export}</code><code class="command" data-command="forget">${commands.forget}</code></details></td></tr>`;
  });
  const empty = html`<tr><td colspan="7">No stored conversations.</td></tr>`;
  return html`<section id="conversations" aria-labelledby="conversations-heading">
<h2 id="conversations-heading">Conversations</h2>
<p class="note">${formatCount(count)} stored, most recently active first; tokens and cost since each began (they survive <code>/reset</code>). Run the commands where <code>REDIS_URL</code> points at this Redis.</p>
<div class="scroll"><table id="conversations-table"><caption>Conversations, page ${snapshot.pages.conversations}</caption>
<thead><tr><th scope="col">#</th><th scope="col">session</th><th scope="col">last active</th><th scope="col">messages</th><th scope="col">tokens</th><th scope="col">cost</th><th scope="col">act on it</th></tr></thead>
<tbody>${rows.length > 0 ? body : empty}</tbody></table></div>
${pager(snapshot.pages, 'conversations', count)}</section>`;
}
