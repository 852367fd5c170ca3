import { describe, expect, it } from 'vitest';
import type { SkipReason } from '../../../src/attachments/attachment.ts';
import { skipMessage } from '../../../src/attachments/skip-message.ts';

const REASONS: SkipReason[] = [
  'too_large',
  'unsupported_type',
  'missing_scope',
  'not_found',
  'corrupt',
  'image_too_many_pixels',
  'scanned_pdf',
  'download_failed',
  'too_many_files',
  'vision_off',
];

describe('skipMessage', () => {
  it('names the file in one sentence for every reason', () => {
    const sentences = REASONS.map((reason) => skipMessage(reason, { name: 'q3.pdf' }));
    for (const sentence of sentences) {
      expect(sentence).toContain('"q3.pdf"');
      expect(sentence).toMatch(/[.]$/);
    }
    expect(new Set(sentences).size).toBe(REASONS.length);
  });

  it('tells a Slack workspace which scope to add', () => {
    const sentence = skipMessage('missing_scope', { name: 'q3.pdf', platform: 'slack' });
    expect(sentence).toContain('files:read');
    expect(sentence).toContain('reinstall');
    expect(
      skipMessage('missing_scope', { name: 'q3.pdf', platform: 'discord', details: { status: 403 } }),
    ).toContain('HTTP 403');
  });

  it('names the limits that were passed', () => {
    expect(
      skipMessage('too_large', {
        name: 'a',
        details: { sizeBytes: 31 * 1024 * 1024, limitBytes: 25 * 1024 * 1024 },
      }),
    ).toBe('I skipped "a": it is 31 MB, and I read files up to 25 MB.');
    expect(skipMessage('too_large', { name: 'a', details: { limitBytes: 1024 * 1024 } })).toBe(
      'I skipped "a": it is larger than the most I read, 1.0 MB.',
    );
    expect(
      skipMessage('image_too_many_pixels', {
        name: 'a',
        details: { width: 100_000, height: 100_000, maxPixels: 50_000_000 },
      }),
    ).toContain('100000×100000 pixels, more than the 50 megapixels');
    expect(skipMessage('too_many_files', { name: 'a', details: { maxFiles: 10 } })).toContain(
      'at most 10 files',
    );
    expect(skipMessage('scanned_pdf', { name: 'a' })).toContain('no text layer');
  });
});
