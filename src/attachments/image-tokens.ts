import type { ImageDetail } from './attachment.ts';

/** What every image costs, and all a `detail: low` image costs. */
export const IMAGE_BASE_TOKENS = 85;
/** What each 512-pixel tile of a `detail: high` image adds. */
export const IMAGE_TILE_TOKENS = 170;

const MAX_SIDE = 2048;
const SHORT_SIDE = 768;
const TILE = 512;

/**
 * Input tokens an image costs, by OpenAI's documented formula for the tile-priced vision models (gpt-4o,
 * gpt-4.1, gpt-4.5, o1, o3): `low` is a flat 85; `high` scales the image to fit within 2048×2048, then so its
 * shortest side is 768 (both only ever down), and costs 85 + 170 per 512-pixel tile. `auto` lets the server
 * pick, so it is counted as `high`: a budget that assumes the dearer case never overruns. (Models priced by
 * 32-pixel patches, such as gpt-4.1-mini and o4-mini, cost differently; this is the budget the prompt uses.)
 */
export function imageTokens(width: number, height: number, detail: ImageDetail): number {
  if (!(width > 0 && height > 0) || !Number.isFinite(width) || !Number.isFinite(height)) {
    throw new RangeError(`image dimensions must be positive, got ${width}×${height}`);
  }
  if (detail === 'low') return IMAGE_BASE_TOKENS;
  const { width: scaledWidth, height: scaledHeight } = scaleForHighDetail(width, height);
  const tiles = Math.ceil(scaledWidth / TILE) * Math.ceil(scaledHeight / TILE);
  return IMAGE_BASE_TOKENS + IMAGE_TILE_TOKENS * tiles;
}

/** The size a `detail: high` image is resized to before it is cut into tiles. */
export function scaleForHighDetail(width: number, height: number): { width: number; height: number } {
  const fit = Math.min(1, MAX_SIDE / Math.max(width, height));
  const scale = fit * Math.min(1, SHORT_SIDE / (Math.min(width, height) * fit));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}
