import type { ImageDetail } from '../attachments/attachment.ts';
import type { StoredImage } from '../history/history-store.ts';
import type { ChatMessage, PromptImage } from '../model/model-client.ts';

/**
 * Prompt assembly is pure and has no image bytes, so an assembled prompt names the images each message needs
 * (`AssembledPrompt.imageRefs`), and the turn fills them in after one `HistoryStore.loadImages` call:
 *
 *     const prompt = assemblePrompt({ … });
 *     const images = await store.loadImages(sessionId, imageHashes(prompt.imageRefs));
 *     const { messages, missing } = attachPromptImages(prompt.messages, prompt.imageRefs, images);
 */

/** One image a prompt message sends after its text. */
export interface PromptImageRef {
  /** Index in `AssembledPrompt.messages` of the (user) message that sends it. */
  messageIndex: number;
  /** Content hash of its bytes, to load with `HistoryStore.loadImages`. */
  sha256: string;
  /** File name as shown (its line in the text reads `[image <name>]`). */
  name: string;
  /** The detail to send it at; its `tokens` were counted at it (or dearer). */
  detail: ImageDetail;
  /** Input tokens it costs, included in `AssembledPrompt.promptTokens`. */
  tokens: number;
}

/** The distinct hashes of `refs`, in order: what to ask `HistoryStore.loadImages` for. */
export function imageHashes(refs: readonly PromptImageRef[]): string[] {
  return [...new Set(refs.map((ref) => ref.sha256))];
}

/** What `attachPromptImages` returns. */
export interface AttachedPromptImages {
  /** The prompt's messages, those with images copied with `images` set (the others as they were). */
  messages: ChatMessage[];
  /** Refs whose bytes were not among the loaded images (expired, refused): not sent, their tokens unspent. */
  missing: PromptImageRef[];
}

/**
 * Puts the loaded bytes of each ref into its message's `images`, in ref order. A missing image is left out (the
 * prompt then costs less than counted; its line still names it) and reported in `missing`.
 */
export function attachPromptImages(
  messages: readonly ChatMessage[],
  refs: readonly PromptImageRef[],
  loaded: ReadonlyMap<string, StoredImage>,
): AttachedPromptImages {
  const result = [...messages];
  const missing: PromptImageRef[] = [];
  for (const ref of refs) {
    const message = result[ref.messageIndex];
    const image = loaded.get(ref.sha256);
    if (!message || !image) {
      missing.push(ref);
      continue;
    }
    result[ref.messageIndex] = { ...message, images: [...(message.images ?? []), toPromptImage(image, ref)] };
  }
  return { messages: result, missing };
}

function toPromptImage(image: StoredImage, ref: PromptImageRef): PromptImage {
  const { bytes } = image;
  const dataBase64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  return { mimeType: image.mimeType, dataBase64, detail: ref.detail };
}
