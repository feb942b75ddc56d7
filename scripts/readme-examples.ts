#!/usr/bin/env -S npx tsx
/**
 * Keeps the README's API examples true: starts the real service on models/default, sends every
 * example's curl command (the command as written in the README, between the markers
 *   <!-- example: NAME --> ... <!-- response --> ... <!-- /example -->
 * ) and writes the answer after its `<!-- response -->` marker: the status and the JSON body,
 * with timings left out and numbers rounded to 2 decimals so the text is the same on any machine.
 * A ```console block starting `$ npx amft ...` gets that command's output the same way.
 *
 *   npm run readme:examples            rewrite README.md
 *   npm run readme:examples -- --check exit 1 (and show the first difference) when README.md differs
 *
 * The curl subset understood: -s, -F name=@file[;type=mime], -F name=value, -H 'Name: value',
 * and one URL on http://127.0.0.1:8080 (the address the README tells people to start).
 */
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../services/dist/config.js';
import { startServer } from '../services/dist/server.js';

const ROOT = new URL('..', import.meta.url).pathname;
const README = join(ROOT, 'README.md');
const ADDRESS = 'http://127.0.0.1:8080';
/** A console block of an `npx amft ...` command: the output after the `$` line is the command's. */
const CLI_BLOCK = /(```console\n\$ npx amft ([^\n]*)\n)([\s\S]*?)(```)/g;
const BLOCK = /(<!-- example: ([\w-]+) -->\n[\s\S]*?```(?:bash|sh)\n([\s\S]*?)```\n[\s\S]*?<!-- response -->\n)([\s\S]*?)(<!-- \/example -->)/g;

/** Splits a shell command line into words (single and double quotes, backslash-newline). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /'([^']*)'|"((?:\\.|[^"\\])*)"|(\S+)/g;
  for (const m of line.replace(/\\\n/g, ' ').matchAll(re)) words.push(m[1] ?? m[2]?.replace(/\\(.)/g, '$1') ?? m[3]);
  return words;
}

interface CurlRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  form?: FormData;
}

/** The request a README curl command sends (the subset above), with files read relative to the repository. */
export async function curlRequest(command: string, base: string): Promise<CurlRequest> {
  const words = shellWords(command.trim().split('\n').filter((l) => !l.trimStart().startsWith('#')).join('\n').replace(/\s+#.*$/gm, ''));
  if (words.shift() !== 'curl') throw new Error(`not a curl command: ${command}`);
  const req: CurlRequest = { url: '', method: 'GET', headers: {} };
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === '-s' || w === '-sS') continue;
    if (w === '-F') {
      const [name, ...rest] = words[++i].split('=');
      const value = rest.join('=');
      req.form ??= new FormData();
      req.method = 'POST';
      if (value.startsWith('@')) {
        const [path, ...params] = value.slice(1).split(';');
        const type = params.find((p) => p.startsWith('type='))?.slice(5);
        req.form.append(name, new Blob([await readFile(join(ROOT, path))], type ? { type } : {}), basename(path));
      } else req.form.append(name, value);
    } else if (w === '-H') {
      const [k, ...v] = words[++i].split(':');
      req.headers[k.trim()] = v.join(':').trim();
    } else if (w.startsWith(ADDRESS)) req.url = base + w.slice(ADDRESS.length);
    else throw new Error(`readme-examples does not understand curl argument '${w}' in: ${command}`);
  }
  if (!req.url) throw new Error(`no ${ADDRESS} URL in: ${command}`);
  return req;
}

/** Timings out, numbers to 2 decimals: what stays the same from machine to machine. */
export function stable(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? value : Math.round(value * 100) / 100;
  if (Array.isArray(value)) return value.map(stable);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'timings' && !/Ms$/.test(k)).map(([k, v]) => [k, stable(v)]));
  }
  return value;
}

/** JSON on one line, with a space after each comma and colon. */
function oneLine(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(oneLine).join(', ')}]`;
  if (value && typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${oneLine(v)}`).join(', ')}}`;
  return JSON.stringify(value) ?? 'null';
}

/** JSON, indented by 2, with every object or array that fits in `width` columns on one line. */
export function compactJson(value: unknown, width = 100, indent = ''): string {
  const flat = oneLine(value);
  if (value === null || typeof value !== 'object' || indent.length + flat.length <= width) return flat;
  const inner = `${indent}  `;
  if (Array.isArray(value)) return `[\n${value.map((v) => inner + compactJson(v, width, inner)).join(',\n')}\n${indent}]`;
  const entries = Object.entries(value).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${compactJson(v, width - k.length - 4, inner)}`);
  return `{\n${entries.join(',\n')}\n${indent}}`;
}

/** One example's exchange, as sent and received (before rounding). */
export interface Exchange {
  name: string;
  method: string;
  /** Path without the query, e.g. /predict. */
  path: string;
  status: number;
  contentType: string;
  body: unknown;
}

/** The response text put after a `<!-- response -->` marker. */
async function answer(name: string, command: string, base: string, onExchange?: (e: Exchange) => void): Promise<string> {
  const req = await curlRequest(command, base);
  const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.form });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${command}: the answer is not JSON (${res.status}): ${text.slice(0, 200)}`);
  }
  onExchange?.({ name, method: req.method, path: new URL(req.url).pathname, status: res.status, contentType: res.headers.get('content-type') ?? '', body: json });
  const body = compactJson(stable(json));
  return `Answer: \`${res.status}\` (timings left out, numbers rounded to 2 decimals)\n\n\`\`\`json\n${body}\n\`\`\`\n`;
}

/** stdout of `amft <args>` run from the repository root (the committed shim, as `npx amft` runs it). */
function amftOutput(args: string[]): string {
  const res = spawnSync(process.execPath, [join(ROOT, 'trainer', 'bin', 'amft.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  if (res.status !== 0) throw new Error(`amft ${args.join(' ')} failed (${res.status}): ${res.stderr}`);
  return res.stdout;
}

/** README text with every example's answer produced by a real service. */
export async function renderReadme(readme: string, onExchange?: (e: Exchange) => void): Promise<string> {
  const config = loadConfig(['--port', '0', '--host', '127.0.0.1', '--model-dir', join(ROOT, 'models', 'default'), '--log-level', 'silent'], {});
  const server = await startServer(config, pino({ level: 'silent' }));
  try {
    for (let i = 0; i < 400 && (await fetch(`${server.url}/readyz`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 25));
    const blocks = [...readme.matchAll(BLOCK)];
    if (blocks.length === 0) throw new Error('README.md has no <!-- example: NAME --> blocks');
    let out = readme;
    for (const m of blocks) out = out.replace(m[0], `${m[1]}${await answer(m[2], m[3], server.url, onExchange)}${m[5]}`);
    for (const m of [...out.matchAll(CLI_BLOCK)]) out = out.replace(m[0], `${m[1]}${amftOutput(shellWords(m[2]))}${m[4]}`);
    return out;
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const readme = await readFile(README, 'utf8');
  const rendered = await renderReadme(readme);
  if (!check) {
    await writeFile(README, rendered);
    console.log(rendered === readme ? 'README.md examples are up to date' : 'README.md examples rewritten');
    return;
  }
  if (rendered === readme) {
    console.log('README.md examples match the service');
    return;
  }
  const a = readme.split('\n');
  const b = rendered.split('\n');
  const line = a.findIndex((l, i) => l !== b[i]);
  console.error(`README.md differs from what the service answers, first at line ${line + 1}:\n  README:  ${a[line]}\n  service: ${b[line]}\nrun: npm run readme:examples`);
  process.exit(1);
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) await main();
