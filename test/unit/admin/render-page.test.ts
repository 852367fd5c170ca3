import { describe, expect, it } from 'vitest';
import { type AdminSnapshot, lastDays } from '../../../src/admin/admin-snapshot.ts';
import { renderAdminPage } from '../../../src/admin/render-page.ts';
import { zeroCounters } from '../../../src/admin/usage-overview.ts';

const AT = Date.UTC(2026, 10, 22, 12);

function snapshot(overrides: Partial<AdminSnapshot> = {}): AdminSnapshot {
  const days = lastDays(AT, 30);
  return {
    at: AT,
    days,
    usage: { days: days.map(zeroCounters), channels: { count: 0, rows: [] }, users: { count: 0, rows: [] } },
    conversations: { count: 0, rows: [] },
    metrics: { modelLatency: [], queueWait: [], turns: [], errors: [], feedback: [] },
    pending: 0,
    pages: { channels: 1, users: 1, conversations: 1 },
    about: { storage: 'memory', role: 'all', startedAt: AT - 60_000 },
    ...overrides,
  };
}

describe('renderAdminPage', () => {
  it('escapes IDs that come from platforms, in text and in attributes', () => {
    const evil = 'console:<script>alert(1)</script>"onmouseover="x';
    const daily = lastDays(AT, 30).map(zeroCounters);
    const page = renderAdminPage(
      snapshot({
        usage: {
          days: daily,
          channels: { count: 1, rows: [{ id: evil, total: { ...zeroCounters(), calls: 1 }, daily }] },
          users: { count: 0, rows: [] },
        },
      }),
    );
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('"onmouseover="');
    expect(page).toContain('console:&lt;script&gt;alert(1)&lt;/script&gt;&quot;onmouseover=&quot;x');
  });

  it('says when the queue did not answer instead of showing a number', () => {
    const page = renderAdminPage(snapshot({ pending: undefined }));
    expect(page).toContain('unknown (the queue did not answer)');
  });

  it('links each table to its next page, keeping the others where they are', () => {
    const page = renderAdminPage(
      snapshot({
        conversations: { count: 45, rows: [] },
        pages: { channels: 3, users: 1, conversations: 1 },
      }),
    );
    expect(page).toContain('href="/admin?channels=3&amp;users=1&amp;conversations=2#conversations"');
    expect(page).toContain('page 1 of 3');
  });
});
