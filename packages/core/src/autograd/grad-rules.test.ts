import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { roundToF16 } from '../dtype.js';
import { tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { testOpBackends } from '../test-support/backends.js';
import { checkGradients } from '../test-support/gradcheck.js';
import { type HostTensor, exactCpu, host, rand, toTensor } from '../test-support/numeric.js';
import type { TensorFn } from '../test-support/op-check.js';
import * as ops from '../ops/index.js';
import { GRAD_RULES, sumToShape } from './grad-rules.js';
import { customFunction } from './custom-function.js';
import type { OpName } from './graph.js';

// ---- compile-time guarantees (checked by `tsc`, i.e. the `typecheck` target) ----

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;

/** The table has exactly the keys of OpAttrs... */
export type RulesCoverOps = Assert<Equals<keyof typeof GRAD_RULES, OpName>>;
/** ...and none of them is optional, so an object literal missing one does not type-check. */
export type NoOptionalRule = Assert<Equals<typeof GRAD_RULES, Required<typeof GRAD_RULES>>>;

const { dropout: _withoutRule, ...incomplete } = GRAD_RULES;
// @ts-expect-error a table that lacks one op's rule is not a valid GRAD_RULES (if this line stops
// failing to compile, tsc reports the directive as unused and the typecheck fails)
export const mustNotCompile: typeof GRAD_RULES = incomplete;

/** Every differentiable primitive, listed at runtime; the assertion below keeps it equal to OpName. */
const OP_NAMES = [
  'neg', 'exp', 'log', 'sqrt', 'rsqrt', 'abs', 'tanh', 'sigmoid', 'relu', 'erf', 'sin', 'cos', 'reciprocal', 'square',
  'gelu', 'gelu_tanh', 'silu', 'norm', 'softmax', 'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'where', 'cast', 'contiguous', 'sum', 'max', 'min', 'matmul',
  'reshape', 'permute', 'expand', 'slice', 'concat', 'gather', 'scatterAdd', 'pad', 'dropout', 'custom',
] as const;
export type OpNamesListed = Assert<Equals<(typeof OP_NAMES)[number], OpName>>;

// ---- one finite-difference check per rule; the mapped type makes a new op without a check a compile error ----

interface RuleCheck {
  fn: TensorFn;
  inputs: HostTensor[];
}
const r = (shape: number[], seed: number, extra: { low?: number; high?: number; avoid?: number } = {}) => rand(shape, { seed, ...extra });
const pos = { low: 0.2, high: 3 };

const RULE_CHECKS: { [K in OpName]: RuleCheck } = {
  neg: { fn: ops.neg, inputs: [r([3, 5], 1)] },
  exp: { fn: ops.exp, inputs: [r([3, 5], 2)] },
  log: { fn: ops.log, inputs: [r([3, 5], 3, pos)] },
  sqrt: { fn: ops.sqrt, inputs: [r([3, 5], 4, pos)] },
  rsqrt: { fn: ops.rsqrt, inputs: [r([3, 5], 5, pos)] },
  abs: { fn: ops.abs, inputs: [r([3, 5], 6, { avoid: 0.1 })] },
  tanh: { fn: ops.tanh, inputs: [r([3, 5], 7)] },
  sigmoid: { fn: ops.sigmoid, inputs: [r([3, 5], 8)] },
  relu: { fn: ops.relu, inputs: [r([3, 5], 9, { avoid: 0.1 })] },
  erf: { fn: ops.erf, inputs: [r([3, 5], 10)] },
  sin: { fn: ops.sin, inputs: [r([3, 5], 11)] },
  cos: { fn: ops.cos, inputs: [r([3, 5], 12)] },
  reciprocal: { fn: ops.reciprocal, inputs: [r([3, 5], 13, { avoid: 0.3 })] },
  square: { fn: ops.square, inputs: [r([3, 5], 14)] },
  gelu: { fn: (x) => ops.gelu(x), inputs: [r([3, 5], 41, { low: -3, high: 3 })] },
  gelu_tanh: { fn: (x) => ops.gelu(x, 'tanh'), inputs: [r([3, 5], 42, { low: -3, high: 3 })] },
  silu: { fn: ops.silu, inputs: [r([3, 5], 43, { low: -4, high: 4 })] },
  norm: { fn: (x, w, b) => ops.layerNorm(x, w, b, 1e-5), inputs: [r([3, 6], 44), r([6], 45), r([6], 46)] },
  softmax: { fn: (x) => ops.softmax(x).mul(ops.logSoftmax(x)), inputs: [r([3, 6], 47)] },
  add: { fn: ops.add, inputs: [r([2, 3, 5], 15), r([3, 1], 16)] },
  sub: { fn: ops.sub, inputs: [r([5], 17), r([3, 5], 18)] },
  mul: { fn: ops.mul, inputs: [r([2, 1, 5], 19), r([3, 5], 20)] },
  div: { fn: ops.div, inputs: [r([3, 5], 21), r([5], 22, { avoid: 0.3 })] },
  pow: { fn: ops.pow, inputs: [r([3, 5], 23, pos), r([5], 24)] },
  maximum: { fn: ops.maximum, inputs: [r([3, 5], 25), r([5], 26)] },
  minimum: { fn: ops.minimum, inputs: [r([3, 5], 27), r([3, 1], 28)] },
  where: { fn: ops.where, inputs: [host([1, 0, 0, 1, 1], [5], 'bool'), r([3, 5], 29), r([3, 1], 30)] },
  // a float cast round trip: the rule casts the gradient back (f32 → f32 would be a plain view)
  cast: { fn: (x) => ops.cast(ops.cast(ops.mul(x, 2 ** -4), 'f16'), 'f32'), inputs: [host([1, 2, 3, 5], [4])] },
  contiguous: { fn: (x) => ops.contiguous(ops.transpose(x)), inputs: [r([3, 5], 31)] },
  sum: { fn: (x) => ops.sum(x, [0, 2]), inputs: [r([2, 3, 4], 32)] },
  max: { fn: (x) => ops.max(x, 1, true), inputs: [r([3, 5], 33)] },
  min: { fn: (x) => ops.min(x, 0), inputs: [r([3, 5], 34)] },
  matmul: { fn: ops.matmul, inputs: [r([2, 3, 4], 35), r([4, 5], 36)] },
  reshape: { fn: (x) => ops.reshape(x, [5, -1]), inputs: [r([3, 5], 37)] },
  permute: { fn: (x) => ops.permute(x, [2, 0, 1]), inputs: [r([2, 3, 4], 38)] },
  expand: { fn: (x) => ops.mul(ops.expand(x, [2, 3, 5]), ops.arange(30, undefined, 1, { backend: x.backend }).reshape([2, 3, 5])), inputs: [r([3, 1], 39)] },
  slice: { fn: (x) => ops.slice(x, [1, -4], [3, 5], [1, 2]), inputs: [r([3, 5], 40)] },
  concat: { fn: (a, b) => ops.concat([a, b, a], 1), inputs: [r([3, 2], 41), r([3, 4], 42)] },
  gather: { fn: (x, i) => ops.gather(x, i, 0), inputs: [r([6, 3], 43), host([5, 0, 5, 2], [4], 'i32')] },
  scatterAdd: { fn: (s, i) => ops.scatterAdd(s, i, 0, 4), inputs: [r([5, 3], 44), host([3, 3, 0, 1, 3], [5], 'i32')] },
  pad: { fn: (x) => ops.pad(x, [5, 6], [1, 0], [2, 3]), inputs: [r([2, 2], 45)] },
  dropout: { fn: (x) => ops.dropout(x, 0.3, { seed: 17 }), inputs: [r([5, 7], 46)] },
  custom: {
    fn: (a, b) =>
      customFunction('scaled_matmul', [a, b], (x, y) => ops.mul(ops.matmul(x, y), 0.5), (g, [x, y]) => [
        ops.mul(ops.matmul(g, ops.transpose(y)), 0.5),
        ops.mul(ops.matmul(ops.transpose(x), g), 0.5),
      ]),
    inputs: [r([3, 4], 48), r([4, 2], 49)],
  },
};

/** The ops recorded in the graph that `fn` builds. */
function recordedOps(check: RuleCheck): Set<string> {
  return tidy(() => {
    const b = exactCpu();
    const xs = check.inputs.map((h) => toTensor(h, b, (h.dtype ?? 'f32') === 'f32'));
    const seen = new Set<string>();
    const stack: Tensor[] = [check.fn(...xs)];
    while (stack.length) {
      const t = stack.pop()!;
      if (!t.node) continue;
      seen.add(t.node.op);
      stack.push(...t.node.inputs);
    }
    return seen;
  });
}

const backends = await testOpBackends();

describe('the gradient rule table', () => {
  it('has a rule for every differentiable primitive and nothing else', () => {
    expect(Object.keys(GRAD_RULES).sort()).toEqual([...OP_NAMES].sort());
    for (const op of OP_NAMES) expect(typeof GRAD_RULES[op]).toBe('function');
  });

  it.each(OP_NAMES)('the check for %s really records that primitive', (op) => {
    expect(recordedOps(RULE_CHECKS[op])).toContain(op);
  });

  it('fails to compile when an op is added to OpAttrs without a rule', () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const graphFile = path.join(here, 'graph.ts');
    const rulesFile = path.join(here, 'grad-rules.ts');
    const config = ts.getParsedCommandLineOfConfigFile(path.join(here, '../../tsconfig.json'), {}, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    })!;
    // the rules' import closure needs no DOM, WebGPU or Node typings: leaving them out keeps this fast
    const options = { ...config.options, noEmit: true, skipLibCheck: true, lib: ['lib.es2023.d.ts'], types: [] };
    const parsed = new Map<string, ts.SourceFile | undefined>();
    const diagnostics = (extra: string | null): string[] => {
      const compilerHost = ts.createCompilerHost(options);
      const read = compilerHost.getSourceFile.bind(compilerHost);
      compilerHost.getSourceFile = (file, lang, ...rest) => {
        if (extra && path.resolve(file) === graphFile) {
          const text = ts.sys.readFile(file)!.replace('export interface OpAttrs {', `export interface OpAttrs {\n  ${extra}`);
          return ts.createSourceFile(file, text, lang);
        }
        if (!parsed.has(file)) parsed.set(file, read(file, lang, ...rest));
        return parsed.get(file);
      };
      const program = ts.createProgram([rulesFile], options, compilerHost);
      return ts.getPreEmitDiagnostics(program, program.getSourceFile(rulesFile)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    };
    // judged against the unmodified sources, so that an unrelated typing problem elsewhere (reported
    // by the typecheck target) does not make this test pass or fail
    const baseline = diagnostics(null);
    expect(baseline.filter((m) => m.includes('is missing'))).toEqual([]);
    const added = diagnostics('unruledOp: { axis: number };').filter((m) => !baseline.includes(m));
    expect(added.some((m) => m.includes("Property 'unruledOp' is missing"))).toBe(true);
  }, 60_000);
});

describe.each(backends)('every gradient rule on $name', ({ backend }) => {
  it.each(OP_NAMES)('%s matches finite differences', async (op) => {
    const c = RULE_CHECKS[op];
    if (op === 'cast') {
      // f16 rounding makes finite differences meaningless; each cast casts the gradient back to its
      // source type (so it is rounded to f16 in between, as in PyTorch), then mul scales it
      const x = toTensor(c.inputs[0], backend, true);
      const seed = toTensor(rand([4], { seed: 47 }), backend);
      const y = c.fn(x);
      y.backward(seed);
      const want = Array.from(await seed.data(), (v) => roundToF16(v) * 2 ** -4);
      expect(Array.from(await x.grad!.data())).toEqual(want);
      for (const t of [x, seed, y]) t.dispose();
      return;
    }
    await checkGradients(backend, c.fn, c.inputs);
  });
});

describe.each(backends)('sumToShape on $name', ({ backend }) => {
  it('sums broadcast axes back to the operand shape, leading and size-1 axes alike', async () => {
    const g = toTensor(host(Array.from({ length: 24 }, (_, i) => i), [2, 3, 4]), backend);
    const cases: [number[], number[]][] = [
      [[2, 3, 4], Array.from({ length: 24 }, (_, i) => i)],
      [[3, 1], [0 + 1 + 2 + 3 + 12 + 13 + 14 + 15, 4 + 5 + 6 + 7 + 16 + 17 + 18 + 19, 8 + 9 + 10 + 11 + 20 + 21 + 22 + 23]],
      [[4], [0, 1, 2, 3].map((j) => [0, 1, 2, 3, 4, 5].reduce((p, k) => p + k * 4 + j, 0))],
      [[], [276]],
      [[1, 1, 1], [276]],
    ];
    for (const [shape, want] of cases) {
      const s = sumToShape(g, shape);
      expect(s.shape).toEqual(shape);
      expect(Array.from(await s.data())).toEqual(want);
      if (s !== g) s.dispose();
    }
    g.dispose();
  });
});
