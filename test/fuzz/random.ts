/**
 * A small seeded random source for fuzz tests: the same seed gives the same cases on every run and machine,
 * so a failing case can be replayed from the seed and index printed with it.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, max). */
  int(max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One of `items`. */
  pick<T>(items: readonly T[]): T;
  /** A string of one of many shapes: ids, words, markup, unicode oddities, control characters, huge text. */
  string(): string;
  /** Any JSON-ish value, nested up to `depth`: junk for fields that expect something else. */
  junk(depth?: number): unknown;
}

/** Slack- and Discord-looking fragments that exercise the parsers (mentions, links, entities, markers). */
const FRAGMENTS = [
  '<@U0LAN0Z89>',
  '<@U0LAN0Z89|parley>',
  '<@W123ABC>',
  '<!here>',
  '<!channel>',
  '<!subteam^S1|@team>',
  '<!date^1392734382^{date}|Feb 18>',
  '<#C024BE7LR|general>',
  '<#C024BE7LR>',
  '<https://example.com|a link>',
  '<mailto:a@example.com|mail>',
  '<>',
  '<<@U1>>',
  '<@',
  '>',
  '&lt;&gt;&amp;',
  '&amp;lt;',
  'reset',
  '/reset',
  'persona',
  'forget confirm',
  'usage',
  'export',
  'help',
  'memory clear',
  '<@123456789012345678>',
  '<@!123456789012345678>',
  '```js\ncode\n```',
  '…[truncated 12 tokens]',
  '<|endoftext|>',
  '__proto__',
  'constructor',
  '\u0024{jndi:ldap://x}',
  '%s%n%x',
  '\\u0000',
  '.*+?^\u0024{}()|[]\\',
];

/** Characters that break naive handling: NUL, controls, BOM, zero-width, bidi overrides, lone surrogates, emoji. */
const ODD_CHARACTERS = [
  '\u0000',
  '\u0001',
  '\u0007',
  '\b',
  '\t',
  '\n',
  '\r',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\u200b',
  '\u200c',
  '\u200d',
  '\u200e',
  '\u200f',
  '\u2028',
  '\u2029',
  '\u202e',
  '\u2066',
  '\ufeff',
  '\ufffd',
  '\ud800',
  '\udfff',
  '😀',
  '👩‍👩‍👧‍👦',
  '🏳️‍🌈',
  'مرحبا',
  'שלום',
  '漢字',
  'e\u0301',
  ':',
  '{',
  '}',
  '|',
  ' ',
  '"',
  "'",
  '\\',
  '/',
  '.',
  '-',
  '_',
];

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** mulberry32: tiny, fast and well enough distributed for picking test cases. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A seeded random source. */
export function createRandom(seed: number): Random {
  const next = mulberry32(seed);
  const int = (max: number) => Math.floor(next() * max);
  const chance = (p: number) => next() < p;
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;

  const word = (length: number) => {
    let out = '';
    for (let index = 0; index < length; index++) out += ALPHANUMERIC[int(ALPHANUMERIC.length)];
    return out;
  };

  const mixed = (length: number) => {
    let out = '';
    while (out.length < length) {
      const roll = next();
      if (roll < 0.4) out += word(1 + int(8));
      else if (roll < 0.7) out += pick(ODD_CHARACTERS);
      else if (roll < 0.85) out += pick(FRAGMENTS);
      else out += String.fromCharCode(int(0x10000));
    }
    return out;
  };

  const string = (): string => {
    const roll = next();
    if (roll < 0.08) return '';
    if (roll < 0.25) return word(1 + int(12));
    if (roll < 0.35) return `${pick(['C', 'D', 'G', 'U', 'W', 'T', 'B'])}${word(8).toUpperCase()}`;
    if (roll < 0.42) return `${1_700_000_000 + int(100_000_000)}.${String(int(1_000_000)).padStart(6, '0')}`;
    if (roll < 0.47) return String(BigInt(int(2 ** 30)) * 2n ** 22n + BigInt(int(2 ** 22)));
    if (roll < 0.55) return pick(FRAGMENTS);
    if (roll < 0.62) return ` ${pick(FRAGMENTS)} ${word(5)} `;
    if (roll < 0.88) return mixed(1 + int(80));
    if (roll < 0.97) return mixed(200 + int(4_000));
    // Huge: far past every platform limit.
    return mixed(50_000 + int(150_000));
  };

  const junk = (depth = 2): unknown => {
    const roll = next();
    if (roll < 0.1) return null;
    if (roll < 0.15) return undefined;
    if (roll < 0.22) return chance(0.5);
    if (roll < 0.32) return pick([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, -0, 1e308]);
    if (roll < 0.6 || depth <= 0) return string();
    if (roll < 0.8) return Array.from({ length: int(4) }, () => junk(depth - 1));
    const object: Record<string, unknown> = {};
    for (let index = int(5); index > 0; index--)
      object[chance(0.2) ? pick(FRAGMENTS) : word(4)] = junk(depth - 1);
    return object;
  };

  return { next, int, chance, pick, string, junk };
}
