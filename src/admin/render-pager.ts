import type { AdminPages } from './admin-snapshot.ts';
import { PAGE_SIZE } from './admin-snapshot.ts';
import { html, type SafeHtml } from './html.ts';

/** `?channels=2&users=1&conversations=1#channels`: the other tables stay on their pages. */
export function pageLink(pages: AdminPages, name: keyof AdminPages, page: number): string {
  const search = new URLSearchParams({
    ...Object.fromEntries(Object.entries(pages).map(([key, value]) => [key, String(value)])),
    [name]: String(page),
  });
  return `/admin?${search}#${name}`;
}

/** Previous / next links of one table, with where it stands. */
export function pager(pages: AdminPages, name: keyof AdminPages, count: number): SafeHtml {
  const page = pages[name];
  const last = Math.max(1, Math.ceil(count / PAGE_SIZE));
  if (last === 1 && page === 1) return html``;
  const previous =
    page > 1
      ? html`<a rel="prev" href="${pageLink(pages, name, Math.min(page - 1, last))}">← previous</a>`
      : html`<span aria-hidden="true">← previous</span>`;
  const next =
    page < last
      ? html`<a rel="next" href="${pageLink(pages, name, page + 1)}">next →</a>`
      : html`<span aria-hidden="true">next →</span>`;
  return html`<nav class="pager" aria-label="${name} pages">${previous}<span>page ${page} of ${last}</span>${next}</nav>`;
}
