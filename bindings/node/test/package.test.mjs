// The npm package as a registry would take it: what `npm pack` ships (what runs, its types,
// README and licenses; no sources, tests or build scripts), a stripped addon, the declared
// napi targets, and license files identical to the repository's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

const here = new URL('..', import.meta.url);
const read = (path, base = here) => readFileSync(new URL(path, base));

test('npm pack ships what runs, its types, README and licenses, and nothing else', () => {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const [pack] = JSON.parse(execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: here, encoding: 'utf8' }));
  const files = pack.files.map((f) => f.path).sort();
  for (const f of ['README.md', 'LICENSE-MIT', 'LICENSE-APACHE', 'package.json', 'index.js', 'index.d.ts', 'types.d.ts', 'native.js', 'surface.cjs', 'fetch.cjs', 'standing.cjs']) {
    assert.ok(files.includes(f), `${f} is not in the package: ${files.join(', ')}`);
  }
  assert.ok(files.some((f) => f.endsWith('.node')), 'no addon in the package');
  const stray = files.filter((f) => /^(src|test)\/|\.rs$|Cargo\.toml|gen-.*\.mjs|\.txt$|build\.rs/.test(f));
  assert.deepEqual(stray, [], 'sources, tests or build scripts in the package');
});

/** The names of an ELF64 little-endian file's sections. */
function sectionNames(elf) {
  assert.equal(elf.readUInt32BE(0), 0x7f454c46, 'not an ELF file');
  const shoff = Number(elf.readBigUInt64LE(0x28));
  const shentsize = elf.readUInt16LE(0x3a);
  const shnum = elf.readUInt16LE(0x3c);
  const strtab = shoff + elf.readUInt16LE(0x3e) * shentsize;
  const names = Number(elf.readBigUInt64LE(strtab + 0x18));
  const out = [];
  for (let i = 0; i < shnum; i++) {
    const at = names + elf.readUInt32LE(shoff + i * shentsize);
    out.push(elf.subarray(at, elf.indexOf(0, at)).toString('latin1'));
  }
  return out;
}

test('the shipped addon carries no debug info', { skip: process.platform !== 'linux' && 'ELF only' }, () => {
  const addon = readdirSync(here).find((f) => f.endsWith('.node'));
  const sections = sectionNames(read(addon));
  assert.ok(sections.includes('.text'), sections.join(' '));
  assert.deepEqual(sections.filter((s) => s.startsWith('.debug') || s === '.symtab'), [], `${addon} is not stripped`);
});

test('the napi targets cover Linux (gnu and musl, x64 and arm64), macOS and Windows', () => {
  const { napi } = JSON.parse(read('package.json'));
  for (const t of ['x86_64-unknown-linux-gnu', 'aarch64-unknown-linux-gnu', 'x86_64-unknown-linux-musl', 'aarch64-unknown-linux-musl', 'x86_64-apple-darwin', 'aarch64-apple-darwin', 'x86_64-pc-windows-msvc']) {
    assert.ok(napi.targets.includes(t), t);
  }
});

test('the package licenses are the repository licenses', () => {
  for (const f of ['LICENSE-MIT', 'LICENSE-APACHE']) {
    assert.ok(read(f).equals(read(`../../${f}`)), `bindings/node/${f} differs from the root ${f}`);
    assert.ok(read(f).equals(read(`../python/${f}`)), `bindings/python/${f} differs from the root ${f}`);
  }
});
