// Writes the CommonJS form of one of bindings/js's ES modules: `export function|class|const`
// lose `export` and are collected into `module.exports`; `import { a } from './x.js'` becomes
// `const { a } = require('./x.cjs')`. The Node package and the WASM module's Node build ship
// these forms beside their CommonJS entries.
//
//   node bindings/js/to-cjs.mjs IN.mjs OUT.cjs
import { readFileSync, writeFileSync } from 'node:fs';

const [input, output] = process.argv.slice(2);
const names = [];
const body = readFileSync(input, 'utf8')
  .replace(/^export (?:async )?(?:function|class|const) (\w+)/gm, (m, name) => {
    names.push(name);
    return m.replace(/^export /, '');
  })
  .replace(/^import \{([^}]+)\} from '\.\/([\w-]+)\.(?:m?js)';$/gm, "const {$1} = require('./$2.cjs');");
writeFileSync(output, `'use strict';\n${body}\nmodule.exports = { ${names.join(', ')} };\n`);
