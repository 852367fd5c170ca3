import type { TextKind } from './attachment.ts';

/** How a text file is labelled: its kind, the fence's info string and the MIME type reported for it. */
export interface TextFileType {
  /** What it is. */
  kind: Exclude<TextKind, 'pdf'>;
  /** The fence's info string (`` for plain text). */
  language: string;
  /** Its MIME type. */
  mimeType: string;
}

const DOCUMENTS: Record<string, TextFileType> = {
  txt: { kind: 'text', language: '', mimeType: 'text/plain' },
  text: { kind: 'text', language: '', mimeType: 'text/plain' },
  md: { kind: 'markdown', language: 'markdown', mimeType: 'text/markdown' },
  markdown: { kind: 'markdown', language: 'markdown', mimeType: 'text/markdown' },
  csv: { kind: 'csv', language: 'csv', mimeType: 'text/csv' },
  tsv: { kind: 'tsv', language: 'tsv', mimeType: 'text/tab-separated-values' },
  json: { kind: 'json', language: 'json', mimeType: 'application/json' },
  jsonl: { kind: 'json', language: 'json', mimeType: 'application/jsonl' },
  ndjson: { kind: 'json', language: 'json', mimeType: 'application/x-ndjson' },
  yaml: { kind: 'yaml', language: 'yaml', mimeType: 'application/yaml' },
  yml: { kind: 'yaml', language: 'yaml', mimeType: 'application/yaml' },
  xml: { kind: 'xml', language: 'xml', mimeType: 'application/xml' },
  html: { kind: 'html', language: 'html', mimeType: 'text/html' },
  htm: { kind: 'html', language: 'html', mimeType: 'text/html' },
  svg: { kind: 'xml', language: 'xml', mimeType: 'image/svg+xml' },
  log: { kind: 'log', language: '', mimeType: 'text/plain' },
};

// Source files by extension → fence language (as GitHub's highlighter names it).
// biome-ignore format: a table reads better packed
const CODE: Record<string, string> = {
  ts: 'ts', tsx: 'tsx', mts: 'ts', cts: 'ts', js: 'js', jsx: 'jsx', mjs: 'js', cjs: 'js',
  py: 'python', pyi: 'python', go: 'go', rs: 'rust', java: 'java', c: 'c', h: 'c', cpp: 'cpp', cc: 'cpp',
  cxx: 'cpp', hpp: 'cpp', hh: 'cpp', cs: 'csharp', rb: 'ruby', php: 'php', sh: 'sh', bash: 'bash', zsh: 'zsh',
  fish: 'fish', ps1: 'powershell', sql: 'sql', swift: 'swift', kt: 'kotlin', kts: 'kotlin', scala: 'scala',
  lua: 'lua', pl: 'perl', r: 'r', dart: 'dart', ex: 'elixir', exs: 'elixir', erl: 'erlang', hs: 'haskell',
  clj: 'clojure', ml: 'ocaml', fs: 'fsharp', vue: 'vue', svelte: 'svelte', css: 'css', scss: 'scss',
  less: 'less', graphql: 'graphql', proto: 'protobuf', tf: 'hcl', toml: 'toml', ini: 'ini', cfg: 'ini',
  conf: 'ini', env: 'sh', diff: 'diff', patch: 'diff', tex: 'latex', zig: 'zig', nim: 'nim', m: 'objc',
  mm: 'objc', gradle: 'groovy', groovy: 'groovy', bat: 'bat', cmake: 'cmake', make: 'makefile', mk: 'makefile',
  ipynb: 'json',
};

// Extensionless files that are code by name.
// biome-ignore format: a table reads better packed
const CODE_NAMES: Record<string, string> = {
  dockerfile: 'dockerfile', makefile: 'makefile', gemfile: 'ruby', rakefile: 'ruby', justfile: 'makefile',
  jenkinsfile: 'groovy', procfile: 'yaml',
};

// MIME types that are text though they are not `text/*`.
const TEXT_MIME_TYPES: Record<string, TextFileType> = {
  'application/json': DOCUMENTS.json!,
  'application/x-ndjson': DOCUMENTS.ndjson!,
  'application/yaml': DOCUMENTS.yaml!,
  'application/x-yaml': DOCUMENTS.yaml!,
  'application/xml': DOCUMENTS.xml!,
  'application/javascript': { kind: 'code', language: 'js', mimeType: 'text/javascript' },
  'application/typescript': { kind: 'code', language: 'ts', mimeType: 'text/typescript' },
  'application/x-sh': { kind: 'code', language: 'sh', mimeType: 'application/x-sh' },
  'application/sql': { kind: 'code', language: 'sql', mimeType: 'application/sql' },
};

/** The file's extension, lower-cased and without the dot (`` if it has none). */
export function extensionOf(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot + 1).toLowerCase();
}

/** What a file name says about a text file, if it names a known text or code type. */
export function textTypeByName(name: string): TextFileType | undefined {
  const extension = extensionOf(name);
  const document = DOCUMENTS[extension];
  if (document) return document;
  const base = name.slice(name.lastIndexOf('/') + 1).toLowerCase();
  const language = CODE[extension] ?? (extension === '' ? CODE_NAMES[base] : undefined);
  if (language === undefined) return undefined;
  return { kind: 'code', language, mimeType: `text/x-${language}` };
}

/** What a reported MIME type says about a text file, if it is a text type. */
export function textTypeByMimeType(mimeType: string | undefined): TextFileType | undefined {
  const essence = mimeType?.split(';')[0]?.trim().toLowerCase();
  if (!essence) return undefined;
  const known = TEXT_MIME_TYPES[essence];
  if (known) return known;
  const byDocument = Object.values(DOCUMENTS).find((type) => type.mimeType === essence);
  if (byDocument) return byDocument;
  if (essence.startsWith('text/')) return { kind: 'text', language: '', mimeType: essence };
  return undefined;
}
