#!/usr/bin/env node
// The `synq` command. Sources are TypeScript run through tsx's loader, so a fresh
// clone needs no build step between `npm install` and `npm start`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
