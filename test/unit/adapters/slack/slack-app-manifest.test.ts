import { readFileSync } from 'node:fs';
import type { webApi } from '@slack/bolt';
import { Ajv } from 'ajv';
import ajvFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

type Manifest = webApi.AppsManifestValidateArguments['manifest'];

const manifest = parse(
  readFileSync(new URL('../../../../slack-app-manifest.yaml', import.meta.url), 'utf8'),
) as Manifest & {
  features: NonNullable<Manifest['features']>;
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { request_url: string; bot_events: string[] };
    interactivity: { is_enabled: boolean; request_url?: string };
  };
};

/** Slack's published manifest schema (see `test/fixtures/slack-manifest-schema/SOURCE.md`). */
function slackManifestSchema() {
  const schema = JSON.parse(
    readFileSync(
      new URL('../../../fixtures/slack-manifest-schema/manifest.schema.1.0.0.json', import.meta.url),
      'utf8',
    ),
  ) as object;
  // The schema uses a few keywords of Slack's own (`regex`, `_note`); strict mode would refuse to compile them.
  const ajv = new Ajv({ strict: false, allErrors: true });
  // ajv-formats is CommonJS: its plugin is the module and, for TypeScript, its `default`.
  ajvFormats.default(ajv);
  return ajv.compile(schema);
}

describe('the Slack app manifest', () => {
  const validate = slackManifestSchema();

  it("validates against Slack's published manifest schema", () => {
    const valid = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('would be refused by that schema if the assistant pane lost its description or a command its slash', () => {
    const withoutDescription = structuredClone(manifest) as unknown as {
      features: { assistant_view: object };
    };
    withoutDescription.features.assistant_view = {};
    expect(validate(withoutDescription)).toBe(false);
    expect(validate.errors?.map((error) => error.params)).toContainEqual({
      missingProperty: 'assistant_description',
    });
    const slashless = structuredClone(manifest);
    slashless.features.slash_commands![0]!.command = 'reset';
    expect(validate(slashless)).toBe(false);
  });

  it('has the shape of the Web API manifest (apps.manifest.validate) where Parley relies on it', () => {
    expect(manifest._metadata).toEqual({ major_version: 1, minor_version: 1 });
    expect(typeof manifest.display_information.name).toBe('string');
    expect(manifest.display_information.name.length).toBeLessThanOrEqual(35);
    for (const command of manifest.features.slash_commands ?? []) {
      expect(command.command).toMatch(/^\/[a-z-]+$/);
      expect(command.description.length).toBeLessThanOrEqual(100);
    }
  });

  it('declares the assistant pane: assistant_view, assistant:write, its two events and message.im', () => {
    const view = manifest.features.assistant_view;
    expect(typeof view?.assistant_description).toBe('string');
    expect(view!.assistant_description.length).toBeGreaterThan(0);
    expect(manifest.oauth_config.scopes.bot).toContain('assistant:write');
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(
      expect.arrayContaining(['assistant_thread_started', 'assistant_thread_context_changed', 'message.im']),
    );
  });

  it('turns interactivity on at the events URL, for the feedback and Stop buttons', () => {
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.interactivity.request_url).toBe(
      manifest.settings.event_subscriptions.request_url,
    );
  });
});
