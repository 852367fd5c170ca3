import { AttachmentError } from './attachment-error.ts';

/** Counts the bytes a download received, even one that was refused or failed halfway. */
export interface ByteMeter {
  /** Bytes received so far. */
  bytes: number;
}

/**
 * Reads a response body, refusing it as `too_large` as soon as more than `maxBytes` arrive: an announced
 * `Content-Length` over the limit is refused before reading, but a smaller one (or the platform's reported
 * size) is not trusted — the stream is counted and cancelled past the limit, which closes the connection.
 */
export async function readBoundedBody(
  response: Response,
  maxBytes: number,
  meter: ByteMeter,
): Promise<Uint8Array> {
  const announced = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(announced) && announced > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw new AttachmentError('too_large', { limitBytes: maxBytes, sizeBytes: announced });
  }
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    meter.bytes += value.byteLength;
    if (received > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new AttachmentError('too_large', { limitBytes: maxBytes });
    }
    chunks.push(value);
  }
  return concatenate(chunks, received);
}

function concatenate(chunks: readonly Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
