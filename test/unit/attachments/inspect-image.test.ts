import { describe, expect, it } from 'vitest';
import type { AttachmentError } from '../../../src/attachments/attachment-error.ts';
import { inspectImage } from '../../../src/attachments/inspect-image.ts';
import { makeGif, makeJpeg, makePng, makePngBombHeader, makeWebp } from './sample-files.ts';

const limits = { maxImageBytes: 20 * 1024 * 1024, maxPixels: 50_000_000 };

function thrown(run: () => unknown): AttachmentError {
  try {
    run();
  } catch (error) {
    return error as AttachmentError;
  }
  throw new Error('expected a throw');
}

describe('inspectImage', () => {
  it('reads the size of each accepted format from its header', () => {
    expect(inspectImage(makePng(640, 480), 'image/png', limits)).toEqual({ width: 640, height: 480 });
    expect(inspectImage(makeJpeg(1920, 1080), 'image/jpeg', limits)).toEqual({ width: 1920, height: 1080 });
    expect(inspectImage(makeGif(320, 200), 'image/gif', limits)).toEqual({ width: 320, height: 200 });
    expect(inspectImage(makeWebp(1000, 750), 'image/webp', limits)).toEqual({ width: 1000, height: 750 });
  });

  it('refuses a header claiming 100000×100000 as a decompression bomb, before decoding anything', () => {
    const bomb = makePngBombHeader(100_000, 100_000);
    expect(bomb.byteLength).toBeLessThan(200);
    const error = thrown(() => inspectImage(bomb, 'image/png', limits));
    expect(error.reason).toBe('image_too_many_pixels');
    expect(error.details).toMatchObject({ width: 100_000, height: 100_000, maxPixels: 50_000_000 });
  });

  it('accepts an image right at the pixel limit and refuses one pixel row more', () => {
    expect(inspectImage(makePngBombHeader(10_000, 5_000), 'image/png', limits)).toEqual({
      width: 10_000,
      height: 5_000,
    });
    expect(thrown(() => inspectImage(makePngBombHeader(10_000, 5_001), 'image/png', limits)).reason).toBe(
      'image_too_many_pixels',
    );
  });

  it('refuses an image over the byte limit', () => {
    const error = thrown(() => inspectImage(makePng(64, 64), 'image/png', { ...limits, maxImageBytes: 50 }));
    expect(error.reason).toBe('too_large');
    expect(error.details.limitBytes).toBe(50);
  });

  it('calls an unreadable header corrupt', () => {
    const truncated = makePng(10, 10).subarray(0, 12);
    expect(thrown(() => inspectImage(truncated, 'image/png', limits)).reason).toBe('corrupt');
    const jpegWithoutFrame = Uint8Array.from([0xff, 0xd8, 0xff, 0xd9]);
    expect(thrown(() => inspectImage(jpegWithoutFrame, 'image/jpeg', limits)).reason).toBe('corrupt');
  });
});
