import { Tiktoken } from 'js-tiktoken/lite';
import { describe, expect, it, vi } from 'vitest';

// Count how often a tokenizer is built: decoding a rank table is expensive, so once per encoding per process.
const built = vi.hoisted(() => ({ ranks: [] as unknown[] }));
vi.mock('../../../src/model/bpe-tokenizer.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/model/bpe-tokenizer.ts')>();
  return {
    ...real,
    createBpeTokenizer: (ranks: Parameters<typeof real.createBpeTokenizer>[0]) => {
      built.ranks.push(ranks);
      return real.createBpeTokenizer(ranks);
    },
  };
});

const {
  createTokenCounter,
  encodingForModel,
  getTokenCounter,
  getTokenizer,
  MESSAGE_FRAME_TOKENS,
  NAME_EXTRA_TOKENS,
  REPLY_PRIMING_TOKENS,
} = await import('../../../src/model/token-counter.ts');
const builtAtImport = built.ranks.length;
const RANK_TABLES = {
  o200k_base: (await import('js-tiktoken/ranks/o200k_base')).default,
  cl100k_base: (await import('js-tiktoken/ranks/cl100k_base')).default,
};

// The cookbook's example conversation; the OpenAI API itself reported 129 prompt tokens for it on
// gpt-4 / gpt-3.5-turbo (cl100k_base) and 124 on gpt-4o / gpt-4o-mini (o200k_base)
// ("How to count tokens with tiktoken", section 6).
const COOKBOOK_EXAMPLE = [
  {
    role: 'system',
    content:
      'You are a helpful, pattern-following assistant that translates corporate jargon into plain English.',
  },
  { role: 'system', name: 'example_user', content: 'New synergies will help drive top-line growth.' },
  {
    role: 'system',
    name: 'example_assistant',
    content: 'Things working well together will increase revenue.',
  },
  {
    role: 'system',
    name: 'example_user',
    content:
      "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage.",
  },
  {
    role: 'system',
    name: 'example_assistant',
    content: "Let's talk later when we're less busy about how to do better.",
  },
  {
    role: 'user',
    content: "This late pivot means we don't have time to boil the ocean for the client deliverable.",
  },
];

describe('encodingForModel', () => {
  it.each([
    ['gpt-4o', 'o200k_base'],
    ['gpt-4o-mini', 'o200k_base'],
    ['gpt-4o-2024-08-06', 'o200k_base'],
    ['chatgpt-4o-latest', 'o200k_base'],
    ['gpt-4.1-mini', 'o200k_base'],
    ['o1', 'o200k_base'],
    ['o3-mini', 'o200k_base'],
    ['o4-mini', 'o200k_base'],
    ['openai/gpt-4o-mini', 'o200k_base'],
    ['gpt-4', 'cl100k_base'],
    ['gpt-4-0613', 'cl100k_base'],
    ['gpt-4-turbo', 'cl100k_base'],
    ['gpt-3.5-turbo', 'cl100k_base'],
    ['ft:gpt-3.5-turbo-0125:acme::abc123', 'cl100k_base'],
    ['llama3.2', 'o200k_base'],
    ['mistral-small', 'o200k_base'],
    ['', 'o200k_base'],
  ] as const)('%s → %s', (model, encoding) => {
    expect(encodingForModel(model)).toBe(encoding);
  });
});

describe('encoder construction', () => {
  it('builds nothing on import, then each encoding once however many counters are asked for', () => {
    expect(builtAtImport).toBe(0);
    const first = getTokenCounter('gpt-4o-mini');
    expect(getTokenCounter('gpt-4o')).toBe(first);
    expect(getTokenCounter('llama3')).toBe(first);
    expect(getTokenCounter('gpt-4')).not.toBe(first);
    expect(getTokenCounter('gpt-3.5-turbo')).toBe(getTokenCounter('gpt-4'));
    expect(getTokenizer('o200k_base')).toBe(getTokenizer('o200k_base'));
    createTokenCounter('o200k_base').count('hello');
    createTokenCounter('cl100k_base').count('hello');
    // The suites below (collected before this runs) used both encodings too.
    expect(built.ranks).toHaveLength(2);
    expect(new Set(built.ranks).size).toBe(2);
  });
});

describe.each([
  // Literal counts, verified once and pinned so a change of encoding or library shows up here.
  // お誕生日おめでとう and "2 + 2 = 4" are also the cookbook's own examples (8/9 and 7/7 tokens).
  {
    model: 'gpt-4o-mini',
    encoding: 'o200k_base',
    literals: [
      ['hello world', 2],
      ['2 + 2 = 4', 7],
      ['お誕生日おめでとう', 8],
      ['שלום עולם', 2],
      ['👩‍💻', 5],
      ['<|endoftext|>', 7],
    ],
    cookbook: 124,
  },
  {
    model: 'gpt-4',
    encoding: 'cl100k_base',
    literals: [
      ['hello world', 2],
      ['2 + 2 = 4', 7],
      ['お誕生日おめでとう', 9],
      ['שלום עולם', 10],
      ['👩‍💻', 7],
      ['<|endoftext|>', 7],
    ],
    cookbook: 129,
  },
] as const)('$encoding counter', ({ model, encoding, literals, cookbook }) => {
  const counter = getTokenCounter(model);

  it('uses the expected encoding', () => {
    expect(counter.encoding).toBe(encoding);
  });

  it('counts known texts exactly', () => {
    for (const [text, tokens] of literals) expect(counter.count(text), text).toBe(tokens);
  });

  it('counts the empty string as 0 and special-token strings as plain text', () => {
    expect(counter.count('')).toBe(0);
    expect(() => counter.count('a <|im_start|> b <|endofprompt|>')).not.toThrow();
  });

  it('prices a message as frame + role + content (+ name + 1), a prompt plus reply priming', () => {
    expect(MESSAGE_FRAME_TOKENS).toBe(3);
    expect(REPLY_PRIMING_TOKENS).toBe(3);
    expect(NAME_EXTRA_TOKENS).toBe(1);
    // Each role is a single token, so every message costs 4 tokens besides its content.
    for (const role of ['system', 'user', 'assistant']) expect(counter.messageOverhead(role)).toBe(4);
    expect(counter.messageTokens({ role: 'user', content: 'hello world' })).toBe(3 + 1 + 2);
    expect(counter.messageTokens({ role: 'user', content: '' })).toBe(4);
    // "hello world" as a name: its 2 tokens plus 1.
    expect(counter.messageTokens({ role: 'user', content: 'hello world', name: 'hello world' })).toBe(
      3 + 1 + 2 + 2 + 1,
    );
    expect(counter.promptTokens([])).toBe(3);
    expect(
      counter.promptTokens([
        { role: 'system', content: 'hello world' },
        { role: 'user', content: 'hello world' },
        { role: 'assistant', content: 'hello world' },
      ]),
    ).toBe(3 * 6 + 3);
  });

  it(`counts the cookbook conversation as the API did (${cookbook} prompt tokens)`, () => {
    expect(counter.promptTokens(COOKBOOK_EXAMPLE)).toBe(cookbook);
  });

  describe('truncate', () => {
    it('returns the text itself when it fits, and nothing for a budget of 0', () => {
      expect(counter.truncate('hello world', 2)).toBe('hello world');
      expect(counter.truncate('hello world', 2, 'end')).toBe('hello world');
      expect(counter.truncate('hello world', 0)).toBe('');
      expect(counter.truncate('', 5)).toBe('');
    });

    it('cuts token-exactly on plain text, from either end', () => {
      // "hello world" repeated: one token per word, so k tokens are exactly k words.
      const text = 'hello world '.repeat(200).trimEnd();
      const start = counter.truncate(text, 5);
      expect(start).toBe('hello world hello world hello');
      expect(counter.count(start)).toBe(5);
      const end = counter.truncate(text, 4, 'end');
      expect(end).toBe(' hello world hello world');
      expect(counter.count(end)).toBe(4);
    });

    it('never splits a character, whatever the script', () => {
      const text = 'お誕生日おめでとう👩‍💻 שלום עולם مرحبا e\u0301 '.repeat(30);
      for (let max = 1; max <= 60; max++) {
        for (const keep of ['start', 'end'] as const) {
          const cut = counter.truncate(text, max, keep);
          expect(counter.count(cut)).toBeLessThanOrEqual(max);
          expect(keep === 'start' ? text.startsWith(cut) : text.endsWith(cut)).toBe(true);
          expect(cut).not.toContain('\uFFFD');
          if (max >= 8) expect(cut).not.toBe('');
        }
      }
    });

    it('encodes only a window near the kept end of a huge text', () => {
      const encoded: number[] = [];
      const real = getTokenizer(encoding);
      const observed = createTokenCounter(encoding, {
        encode: (text) => {
          encoded.push(text.length);
          return real.encode(text);
        },
        decode: (tokens) => real.decode(tokens),
      });
      const huge = 'lorem ipsum dolor sit amet, '.repeat(40_000); // ~1.1 M characters
      for (const keep of ['start', 'end'] as const) {
        encoded.length = 0;
        const cut = observed.truncate(huge, 100, keep);
        expect(counter.count(cut)).toBe(100);
        expect(encoded.reduce((sum, length) => sum + length, 0)).toBeLessThan(5_000);
      }
    });
  });
});

describe.each(['o200k_base', 'cl100k_base'] as const)('%s encoder', (encoding) => {
  const tokenizer = getTokenizer(encoding);
  /** js-tiktoken's own encoder on the same rank table: the reference for token-for-token equality. */
  const library = new Tiktoken(RANK_TABLES[encoding]);
  const reference = (text: string): number[] => library.encode(text, [], []);
  const pieces = [
    'hello',
    ' world',
    '  ',
    '\n',
    '\n\n ',
    '\t',
    '1234567',
    '3.14',
    "don't",
    "I'LL",
    'CamelCaseWord',
    '!!??',
    '👩‍💻',
    '🇺🇦',
    '😀',
    'e\u0301',
    '漢字',
    'とかなカナ',
    'お誕生日',
    '한국어',
    'שלום',
    'مرحبا',
    '\u200B',
    '\uFEFF',
    '```ts\nx();\n```',
    '<|endoftext|>',
    'https://example.com/?q=1',
    'QUJDREVGR0hJSktMTU5PUFFS',
    '—',
    '…',
  ];

  it('produces exactly the tokens of js-tiktoken on 1,500 random texts', () => {
    let state = 42;
    const random = () => {
      state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
      return state / 4_294_967_296;
    };
    for (let i = 0; i < 1_500; i++) {
      let text = '';
      // Long runs without spaces are where the merge order matters most.
      const joiner = random() < 0.5 ? '' : ' ';
      for (let j = Math.floor(random() * 40); j > 0; j--)
        text += pieces[Math.floor(random() * pieces.length)] + joiner;
      expect(tokenizer.encode(text), JSON.stringify(text)).toEqual(reference(text));
    }
  });

  it('matches js-tiktoken on unbroken runs of CJK, emoji and bytes', () => {
    for (const text of [
      'お誕生日おめでとう漢字とかなカナ'.repeat(12),
      '😀👩‍💻🇺🇦'.repeat(20),
      'ÿ\u0080\u07ff'.repeat(60),
    ]) {
      expect(tokenizer.encode(text)).toEqual(reference(text));
    }
  });

  it('encodes a 100,000-character unbroken CJK text (one pre-token) and decodes it back', () => {
    // js-tiktoken's own merge is quadratic here (hours for this text); ours returns in well under a second.
    const text = '漢字とかなカナお誕生日おめでとう한국어'.repeat(5_000);
    const tokens = tokenizer.encode(text);
    expect(tokenizer.decode(tokens)).toBe(text);
    expect(tokens.length).toBeGreaterThan(20_000);
    expect(tokens.length).toBeLessThan(300_000);
    const counter = createTokenCounter(encoding, tokenizer);
    const cut = counter.truncate(text, 1_000);
    expect(text.startsWith(cut)).toBe(true);
    expect(counter.count(cut)).toBeLessThanOrEqual(1_000);
    expect(counter.count(cut)).toBeGreaterThan(990);
  });
});
