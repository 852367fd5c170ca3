import { describe, expect, it } from 'vitest';
import type { PreparedImage } from '../../../src/attachments/attachment.ts';
import {
  imageDataUrl,
  toChatImagePart,
  toResponsesImagePart,
} from '../../../src/attachments/image-content-part.ts';

const bytes = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
const image: PreparedImage = {
  outcome: 'image',
  name: 'a.png',
  bytes,
  mimeType: 'image/png',
  width: 1,
  height: 1,
  detail: 'low',
  tokens: 85,
  sha256: '',
};
const dataUrl = `data:image/png;base64,${Buffer.from(bytes).toString('base64')}`;

describe('image content parts', () => {
  it('inlines the bytes as a base64 data URL of the detected type', () => {
    expect(imageDataUrl(image)).toBe(dataUrl);
    // A view into a larger buffer encodes only its own bytes.
    const backing = new Uint8Array(bytes.length + 8);
    backing.set(bytes, 4);
    const view = backing.subarray(4, 4 + bytes.length);
    expect(imageDataUrl({ bytes: view, mimeType: 'image/png' })).toBe(dataUrl);
  });

  it('builds the Chat Completions part', () => {
    expect(toChatImagePart(image)).toEqual({ type: 'image_url', image_url: { url: dataUrl, detail: 'low' } });
  });

  it('builds the Responses API part', () => {
    expect(toResponsesImagePart({ ...image, detail: 'auto' })).toEqual({
      type: 'input_image',
      image_url: dataUrl,
      detail: 'auto',
    });
  });
});
