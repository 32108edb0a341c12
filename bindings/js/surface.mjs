// The public classes and functions of docs/bindings.md, built from the core's description of
// the surface, once for every JavaScript runtime (the WASM module; the Node addon next).
//
// The native side exports one function per operation, taking its parameters flat and in the
// described order (`f_classify(outcome, headers, profile, ...)`, `Client_begin(handle, key,
// ...)`) and objects by handle (`<Class>_new` returns one, `<Class>_free` drops it). This file
// only shapes calls the JavaScript way, from `native.__surface()`:
//
// - parameters marked with a bag (`[options]` in core/src/surface/mod.rs) are the keys of one
//   options object: anything but a plain object there is `invalid_type` at the bag's name, a
//   key the operation does not take is `unknown_field` at the key;
// - an object parameter must be an object of its class, not freed (`invalid_type` at the
//   parameter's name); it crosses as its handle;
// - more arguments than the operation takes is `invalid_argument`;
// - refusals name parameters in camelCase (`nowMs`, `retriesTaken`), as JavaScript spells them;
// - an object is freed by `free()`, or when it is collected (FinalizationRegistry);
// - a `Chunk` (the next piece of one text) that ends with the first half of a UTF-16
//   surrogate pair keeps that half for the next piece, so that a pair cut between two pieces
//   crosses as its one character; the class's `finish` feeds a half still kept (a lone
//   surrogate, which becomes U+FFFD as in any string) before it ends the text.
//
// No policy and no conversion of values lives here: every value is read and checked by the
// native side, which throws the binding's `Error` with `.code` and `.path`.

const HANDLE = Symbol('breakwater.handle');
const HELD = Symbol('breakwater.held'); // the first half of a surrogate pair a `Chunk` ended with

/** An `Error` shaped like the native ones: `.code`, `.path`, message `code at path: text`. */
export function refusal(code, path, text) {
  const e = new Error(`${code} at ${path}: ${text}`);
  e.code = code;
  e.path = path;
  return e;
}

/** Refuses a call of `name` given more than the `takes` arguments it takes
 * (`invalid_argument` at the operation's name). */
export function arity(name, takes, given) {
  if (given > takes) {
    throw refusal('invalid_argument', name, `takes at most ${takes} argument${takes === 1 ? '' : 's'}, got ${given}`);
  }
}

/** `retries_taken` → `retriesTaken`. */
function camel(name) {
  return name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
}

/** The parameter kinds that take a JSON document (an object is read key by key). */
const JSON_KINDS = new Set(['Config', 'Value', 'Json']);

function isOptions(x) {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/**
 * How an operation's JavaScript arguments map onto its flat native parameters: one slot per
 * argument, either a parameter or an options object holding several.
 */
function plan(op) {
  const slots = [];
  const rename = new Map();
  for (const p of op.params) {
    const js = camel(p.name);
    rename.set(p.name, js);
    const param = { name: js, kind: p.kind, class: p.rust };
    const last = slots[slots.length - 1];
    if (p.bag === null) slots.push({ param });
    else if (last && last.bag === p.bag) last.params.push(param);
    else slots.push({ bag: p.bag, params: [param] });
  }
  for (const slot of slots) if (slot.bag) slot.keys = new Set(slot.params.map((p) => p.name));
  return { name: op.js, slots, rename };
}

/** A native error's path with its leading parameter name as JavaScript spells it. */
function renamed(e, how) {
  if (e && typeof e === 'object' && typeof e.path === 'string') {
    const m = /^([a-z0-9_]+)(.*)$/s.exec(e.path);
    if (m && how.rename.has(m[1])) {
      const path = how.rename.get(m[1]) + m[2];
      if (path !== e.path) {
        e.message = e.message.replace(` at ${e.path}`, ` at ${path}`);
        e.path = path;
      }
    }
  }
  return e;
}

/**
 * Builds the public API on `native`: `{ [jsName]: function | class }` for every function and
 * class of `description` (what `native.__surface()` returns, parsed; a module that is not
 * instantiated yet passes it in), and `classes` for a runtime's own additions.
 */
export function buildSurface(native, description = JSON.parse(native.__surface())) {
  const classes = Object.create(null);
  const byName = Object.fromEntries(description.classes.map((cls) => [cls.name, cls]));
  /** `Class.method` of every operation that returns an object of class `name`. */
  const makers = (name) =>
    description.classes.flatMap((c) =>
      c.ops.filter((op) => op.returns?.kind === 'Obj' && op.returns.rust === name).map((op) => `${c.js}.${op.js}`),
    );
  const collected =
    typeof FinalizationRegistry === 'function' ? new FinalizationRegistry(({ free, handle }) => free(handle)) : null;

  /** Gives `object` the native object `handle` of class `cls`. */
  function adopt(object, cls, handle) {
    object[HANDLE] = handle;
    collected?.register(object, { free: native[`${cls.name}_free`], handle }, object);
    return object;
  }

  /** The handle of `object`, which must be a live object of class `name`. */
  function handleOf(object, name, path) {
    const C = classes[name];
    if (!(object instanceof C) || typeof object[HANDLE] !== 'number') {
      throw refusal('invalid_type', path, `expected a ${name}, got ${describe(object)}`);
    }
    if (object[HANDLE] < 0) throw refusal('invalid_type', path, `expected a live ${name}, got a freed one`);
    return object[HANDLE];
  }

  function describe(x) {
    if (x === null) return 'null';
    if (Array.isArray(x)) return 'an array';
    if (typeof x === 'object') return x.constructor?.name ? `a ${x.constructor.name}` : 'an object';
    return typeof x;
  }

  /** One argument as the native side takes it. */
  function arg(p, value) {
    if (value === undefined) return undefined;
    // `null` is "left out", except where a parameter takes any JSON value.
    if (value === null) return p.kind === 'Json' ? null : undefined;
    if (p.kind === 'Obj' || p.kind === 'OptObj') return handleOf(value, p.class, p.name);
    if (p.kind === 'PolicyDoc') {
      if (value instanceof classes.Policy) return handleOf(value, 'Policy', p.name);
      if (!isOptions(value)) {
        throw refusal('invalid_type', p.name, `expected a Policy or a policy document (a plain object), got ${describe(value)}`);
      }
    } else if (JSON_KINDS.has(p.kind) && typeof value === 'object' && !Array.isArray(value) && !isOptions(value)) {
      // A Date, a Map, a typed array or a class instance would be read as its own keys (often none).
      throw refusal('invalid_type', p.name, `expected JSON (a plain object), got ${describe(value)}`);
    }
    return value;
  }

  /** The native function's arguments for `args`, after `self`'s handle (if any). */
  function flatten(how, args, out) {
    arity(how.name, how.slots.length, args.length);
    for (let i = 0; i < how.slots.length; i++) {
      const slot = how.slots[i];
      const value = args[i];
      if (!slot.bag) {
        out.push(arg(slot.param, value));
        continue;
      }
      if (value === undefined || value === null) {
        for (let j = 0; j < slot.params.length; j++) out.push(undefined);
        continue;
      }
      if (!isOptions(value)) {
        throw refusal('invalid_type', slot.bag, `${slot.bag} must be an options object, got ${describe(value)}`);
      }
      for (const key of Object.keys(value)) {
        if (!slot.keys.has(key)) {
          throw refusal('unknown_field', key, `unknown option \`${key}\`, expected one of ${[...slot.keys].join(', ')}`);
        }
      }
      for (const p of slot.params) out.push(arg(p, value[p.name]));
    }
    return out;
  }

  /** A native result as the caller sees it: a new object for `Obj` results, nothing for `()`. */
  function result(op, value) {
    if (op.returns?.rust === '()') return undefined;
    if (op.returns?.kind !== 'Obj') return value;
    const name = op.returns.rust;
    return adopt(Object.create(classes[name].prototype), byName[name], value);
  }

  function call(op, how, fn, self, args) {
    try {
      return result(op, fn(...flatten(how, args, self === undefined ? [] : [self])));
    } catch (e) {
      throw renamed(e, how);
    }
  }

  const api = {
    /** The description of this API, as data (the same in every runtime). */
    surface: () => structuredClone(description),
  };
  for (const op of description.functions) {
    const how = plan(op);
    const fn = native[`f_${op.name}`];
    api[op.js] = { [op.js]: (...args) => call(op, how, fn, undefined, args) }[op.js];
  }

  /** `args` with the `Chunk` at `i` joined to the half `self` kept, keeping the half it ends with. */
  function joinHalves(self, args, i) {
    let piece = args[i];
    if (typeof piece !== 'string') return args; // the native side refuses it
    if (self[HELD]) piece = self[HELD] + piece;
    self[HELD] = '';
    const last = piece.charCodeAt(piece.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      self[HELD] = piece.slice(-1);
      piece = piece.slice(0, -1);
    }
    const out = args.slice();
    out[i] = piece;
    return out;
  }

  for (const cls of description.classes) {
    if (cls.hand_written) continue; // the runtime's own class (the breaker), described all the same
    const ctor = cls.ops.find((op) => op.kind === 'new');
    // The method that takes the pieces of one text, if any; where its piece is; how `finish`
    // feeds a half still kept.
    const feed = cls.ops.find((op) => op.params.some((p) => p.kind === 'Chunk'));
    const feedPlan = feed && plan(feed);
    const feedAt = feed ? feedPlan.slots.findIndex((s) => s.param?.kind === 'Chunk') : -1;
    const flush = feed && ((self, half) => call(feed, feedPlan, native[`${cls.name}_${feed.name}`], self, [half]));
    const ctorPlan = ctor && plan(ctor);
    const make = native[`${cls.name}_new`];
    const C = {
      [cls.js]: class {
        constructor(...args) {
          if (!ctor) {
            throw refusal('invalid_argument', cls.js, `a ${cls.js} comes from ${makers(cls.name).join(' or ')}, not from new`);
          }
          const handle = call(ctor, ctorPlan, make, undefined, args);
          adopt(this, cls, handle);
        }
      },
    }[cls.js];
    for (const op of cls.ops) {
      if (op.kind === 'new') continue;
      const how = plan(op);
      const fn = native[`${cls.name}_${op.name}`];
      if (op.kind === 'static') {
        C[op.js] = { [op.js]: (...args) => call(op, how, fn, undefined, args) }[op.js];
      } else {
        const pieces = op === feed;
        const ends = feed !== undefined && op.name === 'finish';
        C.prototype[op.js] = {
          [op.js](...args) {
            const self = handleOf(this, cls.name, 'this');
            if (pieces) return call(op, how, fn, self, joinHalves(this, args, feedAt));
            if (ends && this[HELD]) {
              const half = this[HELD];
              this[HELD] = '';
              flush(self, half);
            }
            return call(op, how, fn, self, args);
          },
        }[op.js];
      }
    }
    const free = native[`${cls.name}_free`];
    C.prototype.free = function free_() {
      const handle = this[HANDLE];
      if (typeof handle === 'number' && handle >= 0) {
        free(handle);
        this[HANDLE] = -1;
        collected?.unregister(this);
      }
    };
    classes[cls.name] = C;
    api[cls.js] = C;
  }
  /** A new object of class `name` around the native `handle` (for a runtime's fast paths). */
  const objectOf = (name, handle) => adopt(Object.create(classes[name].prototype), byName[name], handle);
  return { api, classes, description, handleOf, objectOf };
}
