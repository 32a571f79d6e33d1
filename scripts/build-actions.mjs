#!/usr/bin/env node
// Bundles every action (actions/<name>/action.yml) with ncc into its committed dist/:
//   src/index.ts   -> dist/index.js           (the main step)
//   src/cleanup.ts -> dist/cleanup/index.js   (the post step, when the action has one)
//   src/cli.ts     -> dist/cli.js             (a command-line entry, when the action has one)
// plus dist/package.json ({"type":"module"}) and any files listed in actions/<name>/build.json
// ({"copy": ["node_modules/pkg/file.wasm", ...]}) copied into dist/.
//
//   node scripts/build-actions.mjs [name ...]          build (all actions by default)
//   node scripts/build-actions.mjs --check [name ...]  rebuild in memory, fail if dist/ differs
import ncc from '@vercel/ncc';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const check = args.includes('--check');
const wanted = args.filter((a) => !a.startsWith('--'));

const actions = readdirSync(path.join(root, 'actions'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(path.join(root, 'actions', d.name, 'action.yml')))
  .map((d) => d.name)
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort();

/** Files a build of one action produces: relative path in dist/ -> contents. */
async function buildAction(name) {
  const dir = path.join(root, 'actions', name);
  const files = new Map();
  // [source, output file, folder for its assets, license file name]. A CLI's assets (lazily
  // loaded chunks such as 413.index.js) must sit beside cli.js, where its chunk loader looks.
  const entries = [['src/index.ts', 'index.js', '', 'licenses.txt']];
  if (existsSync(path.join(dir, 'src/cleanup.ts'))) {
    entries.push(['src/cleanup.ts', 'cleanup/index.js', 'cleanup/', 'licenses.txt']);
  }
  if (existsSync(path.join(dir, 'src/cli.ts'))) {
    entries.push(['src/cli.ts', 'cli.js', '', 'licenses-cli.txt']);
  }
  for (const [entry, output, prefix, license] of entries) {
    const { code, assets } = await ncc(path.join(dir, entry), {
      cache: false,
      minify: false,
      sourceMap: false,
      license,
      quiet: true,
      // Types are checked once, by tsc in the static suite; see actions/tsconfig.json.
      transpileOnly: true,
      target: 'es2022'
    });
    files.set(output, Buffer.from(code));
    for (const [asset, { source }] of Object.entries(assets ?? {})) {
      if (asset === 'package.json') continue; // ours, below
      const rel = `${prefix}${asset}`;
      const content = Buffer.from(source);
      // Two entries in one folder may not emit different files of the same name.
      if (files.has(rel) && !files.get(rel).equals(content)) {
        throw new Error(`actions/${name}: ${entry} and another entry both emit ${rel}`);
      }
      files.set(rel, content);
    }
    files.set(`${prefix}package.json`, Buffer.from('{\n  "type": "module"\n}\n'));
  }
  const buildJson = path.join(dir, 'build.json');
  if (existsSync(buildJson)) {
    const { copy = [] } = JSON.parse(readFileSync(buildJson, 'utf8'));
    for (const file of copy) files.set(path.basename(file), readFileSync(path.join(root, file)));
  }
  return files;
}

function listDist(dist) {
  const out = [];
  const walk = (d, rel) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else out.push(r);
    }
  };
  if (existsSync(dist)) walk(dist, '');
  return out;
}

/** Build (or check) one action; returns false when its committed dist/ is stale. */
async function buildOne(name) {
  const dist = path.join(root, 'actions', name, 'dist');
  const files = await buildAction(name);
  if (check) {
    const problems = [];
    for (const [rel, content] of files) {
      const p = path.join(dist, rel);
      if (!existsSync(p)) problems.push(`missing ${rel}`);
      else if (!readFileSync(p).equals(content)) problems.push(`differs ${rel}`);
    }
    for (const rel of listDist(dist)) if (!files.has(rel)) problems.push(`extra ${rel}`);
    if (problems.length) {
      console.error(`actions/${name}/dist is stale (${problems.join(', ')}): run npm run build.`);
      return false;
    }
    console.log(`actions/${name}/dist is up to date.`);
    return true;
  }
  rmSync(dist, { recursive: true, force: true });
  for (const [rel, content] of files) {
    mkdirSync(path.dirname(path.join(dist, rel)), { recursive: true });
    writeFileSync(path.join(dist, rel), content);
  }
  console.log(`built actions/${name}/dist (${files.size} files)`);
  return true;
}

if (actions.length === 1) {
  process.exit((await buildOne(actions[0])) ? 0 : 1);
}
// Several actions: one child process each, two at a time (this machine has two cores). ncc's
// webpack keeps what it compiled alive, so bundling every action (TensorFlow.js included) in one
// process runs out of heap.
const runChild = (name) =>
  new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [fileURLToPath(import.meta.url), ...(check ? ['--check'] : []), name],
      { stdio: 'inherit' }
    );
    child.on('close', (code) => resolve(code === 0));
  });
const queue = [...actions];
let failed = 0;
await Promise.all(
  Array.from({ length: Math.min(2, queue.length) }, async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      if (!(await runChild(name))) failed++;
    }
  })
);
if (failed) process.exit(1);
