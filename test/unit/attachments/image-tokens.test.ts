import { describe, expect, it } from 'vitest';
import { imageTokens, scaleForHighDetail } from '../../../src/attachments/image-tokens.ts';

describe('imageTokens', () => {
  it('charges a flat 85 at low detail, whatever the size', () => {
    expect(imageTokens(4096, 8192, 'low')).toBe(85);
    expect(imageTokens(1, 1, 'low')).toBe(85);
  });

  it("matches OpenAI's documented examples at high detail", () => {
    // 1024×1024 → shortest side 768 → 768×768 → 4 tiles.
    expect(imageTokens(1024, 1024, 'high')).toBe(765);
    // 2048×4096 → fits 1024×2048 → shortest side 768 → 768×1536 → 6 tiles.
    expect(imageTokens(2048, 4096, 'high')).toBe(1105);
  });

  it('never scales a small image up', () => {
    expect(scaleForHighDetail(100, 60)).toEqual({ width: 100, height: 60 });
    expect(imageTokens(100, 60, 'high')).toBe(85 + 170);
    expect(imageTokens(513, 400, 'high')).toBe(85 + 170 * 2);
  });

  it('fits within 2048 first, then brings the shortest side to 768', () => {
    expect(scaleForHighDetail(8000, 1000)).toEqual({ width: 2048, height: 256 });
    expect(imageTokens(8000, 1000, 'high')).toBe(85 + 170 * 4);
    expect(scaleForHighDetail(3000, 2000)).toEqual({ width: 1152, height: 768 });
    expect(imageTokens(3000, 2000, 'high')).toBe(85 + 170 * 6);
  });

  it('counts auto as high, the dearer case', () => {
    expect(imageTokens(2048, 4096, 'auto')).toBe(imageTokens(2048, 4096, 'high'));
    expect(imageTokens(2048, 4096, 'auto')).toBeGreaterThan(imageTokens(2048, 4096, 'low'));
  });

  it('rejects dimensions that are not positive', () => {
    expect(() => imageTokens(0, 10, 'high')).toThrow(RangeError);
    expect(() => imageTokens(10, Number.NaN, 'low')).toThrow(RangeError);
  });
});
