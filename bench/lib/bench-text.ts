/**
 * Deterministic chat-like text for benchmarks: ordinary English words (about 1.2 tokens each in o200k),
 * so token counts and JSON sizes resemble a real conversation.
 */
const WORDS = (
  'the deploy failed again after we merged the new retry logic can you check why the queue keeps growing ' +
  'when workers restart I think the lock expires before the job finishes and another worker picks it up ' +
  'please summarise the thread and list what we decided about the database migration schedule for next week ' +
  'sure here is a short summary first we agreed to run the migration on tuesday evening second the rollback ' +
  'plan stays as written third someone should watch the dashboards during the window because latency spiked'
).split(' ');

/** A small seeded PRNG (mulberry32), so every run writes the same texts. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` words drawn with `random`. */
export function words(random: () => number, count: number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(WORDS[Math.floor(random() * WORDS.length)]!);
  return out.join(' ');
}

/** A user message of about 30–60 tokens. */
export function userText(random: () => number): string {
  return words(random, 25 + Math.floor(random() * 25));
}

/** A model reply of about 150–300 tokens. */
export function replyText(random: () => number): string {
  return words(random, 125 + Math.floor(random() * 125));
}
