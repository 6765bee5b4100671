// @ts-check
// Loaded with `--import` before the component tests (scripts/run-tests.mjs): Node's module hooks that let a
// component's stylesheet import (`import './charts.css'`, bundled by esbuild for the app) load as an empty module.
import { register } from 'node:module';

register('./css-hooks.mjs', import.meta.url);
