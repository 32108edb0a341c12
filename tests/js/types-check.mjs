// The declared return types (.d.ts) against real results, shared by the Node and WASM suites:
// every vector is played through a recording stand-in for the API, and each distinct result
// of each operation is written, as a literal, into a TypeScript file that assigns it to the
// operation's declared return type. `tsc --strict` must accept the file: a key the type does
// not name, a missing one, a `null` where the type has none or a wrong literal is an error.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { playVector } from './vectors.mjs';

/** `api` with every call recorded in `log` as `[where, result]` (`Class#method`, `Class.static`). */
function recording(api, log) {
  const targets = new WeakMap();
  const unwrap = (x) => (x !== null && typeof x === 'object' && targets.has(x) ? targets.get(x) : x);
  const isObject = (x) => x !== null && typeof x === 'object' && !Array.isArray(x) && Object.getPrototypeOf(x) !== Object.prototype;

  function wrap(object, cls) {
    const proxy = new Proxy(object, {
      get(target, prop) {
        const v = Reflect.get(target, prop, target);
        if (typeof v !== 'function' || typeof prop !== 'string' || prop === 'constructor') return v;
        return (...args) => record(`${cls}#${prop}`, v.apply(target, args.map(unwrap)));
      },
    });
    targets.set(proxy, object);
    return proxy;
  }

  function record(where, out) {
    if (isObject(out)) return wrap(out, out.constructor.name);
    if (out !== undefined) log.push([where, out]);
    return out;
  }

  const stand = {};
  for (const [name, v] of Object.entries(api)) {
    if (typeof v !== 'function' || name === 'surface') {
      stand[name] = v;
    } else if (/^[A-Z]/.test(name)) {
      stand[name] = new Proxy(v, {
        construct: (target, args) => wrap(Reflect.construct(target, args.map(unwrap)), name),
        get(target, prop) {
          const s = Reflect.get(target, prop);
          if (typeof s !== 'function' || typeof prop !== 'string' || prop === 'prototype') return s;
          return (...args) => record(`${name}.${prop}`, s.apply(target, args.map(unwrap)));
        },
      });
    } else {
      stand[name] = (...args) => record(name, v(...args.map(unwrap)));
    }
  }
  return stand;
}

/** The TypeScript type of `where`'s result. */
function declared(where) {
  if (where.includes('#')) {
    const [cls, method] = where.split('#');
    return `ReturnType<bw.${cls}['${method}']>`;
  }
  return `ReturnType<typeof bw.${where}>`;
}

/**
 * Plays `vectors` through `api`, then type-checks every distinct result against the
 * declarations of `entry` with `tsc` (its `args` select the module resolution). Returns how
 * many results were checked; throws with tsc's output when one does not type-check.
 */
export function checkResultTypes({ api, vectors, entry, tsc, args }) {
  const log = [];
  const stand = recording(api, log);
  for (const { vector } of vectors) playVector(stand, vector);
  const seen = new Set();
  const lines = [`import type * as bw from ${JSON.stringify(entry)}`];
  for (const [where, out] of log) {
    const literal = JSON.stringify(out);
    const key = `${where} ${literal}`;
    if (seen.has(key)) continue;
    seen.add(key);
    lines.push(`export const r${seen.size}: ${declared(where)} = ${literal} // ${where}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'bw-results-'));
  try {
    writeFileSync(join(dir, 'results.ts'), `${lines.join('\n')}\n`);
    try {
      execFileSync(tsc, ['--noEmit', '--strict', ...args, join(dir, 'results.ts')], { stdio: 'pipe' });
    } catch (e) {
      throw new Error(`results the .d.ts mistypes:\n${String(e.stdout ?? e)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { results: log.length, distinct: seen.size, operations: new Set(log.map(([w]) => w)).size };
}
