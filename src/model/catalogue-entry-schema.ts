import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const usdPerMillion = z.number().finite().nonnegative();

const entrySchema = z.strictObject({
  model: z.string().trim().min(1),
  base_url: z.url({ protocol: /^https?$/ }).optional(),
  api_key_env: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected the name of an environment variable')
    .optional(),
  api: z.enum(['chat', 'responses']).optional(),
  context_window: z.number().int().min(256).optional(),
  max_reply_tokens: z.number().int().min(1).optional(),
  prices: z
    .strictObject({ input: usdPerMillion, cached: usdPerMillion.optional(), output: usdPerMillion })
    .optional(),
  vision: z.boolean().optional(),
  tools: z.boolean().optional(),
  temperature: z.number().min(0).max(2).optional(),
});

/** One entry of `MODELS_FILE` as written, checked field by field. */
export type RawCatalogueEntry = z.infer<typeof entrySchema> & {
  /** The entry's key under `models`. */
  name: string;
};

/**
 * The entries of a catalogue file: `{ models: { <name>: { model, base_url, … } } }` in YAML or JSON (YAML reads
 * both). `fail` is called with a sentence naming the entry and the field at fault, and must throw.
 */
export function readCatalogueEntries(text: string, fail: (message: string) => never): RawCatalogueEntry[] {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    return fail(`not valid YAML or JSON (${(error as Error).message.split('\n')[0]})`);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    return fail('expected a mapping with the key "models"');
  const unknownTop = Object.keys(document).filter((key) => key !== 'models');
  if (unknownTop.length > 0) return fail(`unknown field "${unknownTop[0]}" (only "models" is read)`);
  const models = (document as { models?: unknown }).models;
  if (typeof models !== 'object' || models === null || Array.isArray(models))
    return fail('field "models" must map each model\'s name to its settings');
  return Object.entries(models).map(([name, value]) => {
    if (!NAME.test(name))
      fail(`entry "${name}": a name may hold only letters, digits, dot, dash and underscore`);
    const parsed = entrySchema.safeParse(value ?? {});
    if (!parsed.success) return fail(`entry "${name}": ${describeIssue(parsed.error.issues[0]!, value)}`);
    return { ...parsed.data, name };
  });
}

function describeIssue(issue: z.core.$ZodIssue, value: unknown): string {
  if (issue.code === 'unrecognized_keys') {
    const field = [...issue.path, issue.keys[0]].join('.');
    return `unknown field "${field}"`;
  }
  const field = issue.path.join('.');
  if (issue.code === 'invalid_type' && valueAt(value, issue.path) === undefined)
    return `field ${field} is missing`;
  return `field ${field} is invalid (${issue.message})`;
}

/** The value at `path` inside `value`, `undefined` where it is absent. */
function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}
