import { loadLimit } from '../history-arguments.ts';
import type { LoadOptions, StoredMessage } from '../history-store.ts';
import { historyKeys } from './history-keys.ts';
import type { RedisHistoryContext } from './redis-history-context.ts';

const FIRST_PAGE = 64;
const MAX_PAGE = 2048;

/** `HistoryStore.load` on Redis: the newest messages within the limits, reading only as far back as needed. */
export async function loadNewestMessages(
  { redis, prefix, parser, scripts }: RedisHistoryContext,
  sessionId: string,
  { maxTokens, maxMessages }: LoadOptions,
): Promise<StoredMessage[]> {
  const { history } = historyKeys(prefix, sessionId);
  if (maxTokens === undefined && maxMessages === undefined) {
    return parser.parseAll(sessionId, await redis.lrange(history, 0, -1));
  }
  const messageLimit = Math.floor(loadLimit('maxMessages', maxMessages));
  const tokenLimit = loadLimit('maxTokens', maxTokens);
  if (messageLimit <= 0 || tokenLimit < 0) return [];

  // Page backwards from the tail. The first page comes with LLEN in one script; later pages use
  // head-relative indices, which appends made meanwhile do not shift, so no entry is read twice.
  let pageSize = Math.min(FIRST_PAGE, messageLimit);
  const first = await scripts.newestPage(history, pageSize);
  const { length } = first;
  let page = first.page;
  let pageStart = Math.max(0, length - pageSize);
  const newestFirst: StoredMessage[] = [];
  let tokens = 0;
  for (;;) {
    for (let offset = page.length - 1; offset >= 0; offset -= 1) {
      const message = parser.parse(sessionId, pageStart + offset, page[offset]!);
      if (!message) continue;
      if (newestFirst.length >= messageLimit || tokens + message.tokens > tokenLimit) {
        return newestFirst.reverse();
      }
      tokens += message.tokens;
      newestFirst.push(message);
    }
    if (pageStart === 0 || newestFirst.length >= messageLimit) return newestFirst.reverse();
    // Grow the pages so a long read costs few round trips, but never ask for more than could be kept.
    pageSize = Math.min(pageSize * 2, MAX_PAGE, Math.max(messageLimit - newestFirst.length, 1));
    const pageEnd = pageStart - 1;
    pageStart = Math.max(0, pageEnd - pageSize + 1);
    page = await redis.lrange(history, pageStart, pageEnd);
    if (page.length === 0) return newestFirst.reverse();
  }
}
