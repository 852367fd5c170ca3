#!/usr/bin/env node
// The `parley` command: runs the TypeScript CLI through tsx, as `npm start` runs the service.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main();
