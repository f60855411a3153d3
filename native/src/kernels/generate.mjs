#!/usr/bin/env node
// Generates the microkernels from the templates beside this file: one file per kernel, named by what it is.
// Run after editing a template or the list below: node native/src/kernels/generate.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const here = new URL('.', import.meta.url);
const lanes = { avx512: 16, avx2: 8, sse2: 4, wasmsimd: 4, scalar: 1 };
// [isa, rows, vectors per row]: the main and the small tile of each target's config (src/config.c). WebAssembly's
// main tile is 6×8 with fused multiply-add (relaxed SIMD) and 5×8 without, which needs a register more per row.
export const gemmKernels = [
  ['avx512', 8, 3],
  ['avx512', 4, 3],
  ['avx2', 6, 2],
  ['avx2', 4, 2],
  ['sse2', 6, 2],
  ['sse2', 4, 2],
  ['wasmsimd', 6, 2],
  ['wasmsimd', 5, 2],
  ['wasmsimd', 4, 2],
  ['scalar', 4, 4],
  ['scalar', 2, 4],
];

function fill(template, vars) {
  return template.replace(/\$\{(\w+)\}/g, (_, k) => {
    if (!(k in vars)) throw new Error(`generate: template variable ${k} has no value`);
    return String(vars[k]);
  });
}

function gemm(isa, mr, nv) {
  const vw = lanes[isa];
  const rows = [...Array(mr).keys()];
  const vecs = [...Array(nv).keys()];
  const acc = (i, v) => `acc${i}_${v}`;
  const lines = (f) => rows.flatMap((i) => vecs.map((v) => f(i, v)));
  return {
    ISA: isa,
    MR: mr,
    NR: nv * vw,
    NV: nv,
    ZERO: lines((i, v) => `  VF ${acc(i, v)} = vsplat(0.0f);`).join('\n'),
    LOADB: vecs.map((v) => `    const VF b${v} = vload(b + ${v * vw});`).join('\n'),
    FMA: rows
      .map((i) => [`    const VF a${i} = vsplat(a[${i}]);`, ...vecs.map((v) => `    ${acc(i, v)} += a${i} * b${v};`)].join('\n'))
      .join('\n'),
    STORE: lines((i, v) => `    vstore(c + ${i} * ldc + ${v * vw}, vload(c + ${i} * ldc + ${v * vw}) + ${acc(i, v)});`).join('\n'),
    SPILL: lines((i, v) => `    vstore(tile + ${i * nv * vw + v * vw}, ${acc(i, v)});`).join('\n'),
  };
}

const gemmTemplate = readFileSync(new URL('f32-gemm.c.in', here), 'utf8');
const igemmTemplate = readFileSync(new URL('f32-igemm.c.in', here), 'utf8');
for (const [isa, mr, nv] of gemmKernels) {
  const vars = gemm(isa, mr, nv);
  writeFileSync(new URL(`f32_gemm_${mr}x${vars.NR}__${isa}.c`, here), fill(gemmTemplate, vars));
  // The same tile reading B rows at offsets (stride-1 convolution without im2col).
  const vw = lanes[isa];
  const INITSTORE = [...Array(mr).keys()]
    .flatMap((i) => [...Array(nv).keys()].map((v) => `    vstore(c + ${i} * ldc + ${v * vw}, vsplat(init[${i}]) + acc${i}_${v});`))
    .join('\n');
  const ivars = { ...vars, LOADB: vars.LOADB.replaceAll('vload(b + ', 'vload(bp + '), INITSTORE };
  writeFileSync(new URL(`f32_igemm_${mr}x${vars.NR}__${isa}.c`, here), fill(igemmTemplate, ivars));
}
// Dot products of rows (the filter gradient of stride-1 convolutions): [isa, rows of a, rows of b].
export const dotsKernels = [
  ['avx512', 4, 4],
  ['avx2', 2, 4],
  ['sse2', 2, 4],
  ['wasmsimd', 2, 4],
  ['scalar', 2, 4],
];
const dotsTemplate = readFileSync(new URL('f32-dots.c.in', here), 'utf8');
for (const [isa, mr, nr] of dotsKernels) {
  const is = [...Array(mr).keys()];
  const js = [...Array(nr).keys()];
  const vars = {
    ISA: isa,
    MR: mr,
    NR: nr,
    ROWS: [
      ...is.map((i) => `  const float* a${i} = a + (${i} < m ? ${i} : m - 1) * lda;`),
      ...js.map((j) => `  const float* b${j} = b + off[${j} < n ? ${j} : n - 1];`),
    ].join('\n'),
    ZERO: is.flatMap((i) => js.map((j) => `  VF acc${i}_${j} = vsplat(0.0f);`)).join('\n'),
    LOADB: js.map((j) => `    const VF vb${j} = vload(b${j} + q);`).join('\n'),
    FMA: is
      .map((i) => [`    const VF va${i} = vload(a${i} + q);`, ...js.map((j) => `    acc${i}_${j} += va${i} * vb${j};`)].join('\n'))
      .join('\n'),
    STORE: is
      .flatMap((i) => js.map((j) => `  if (${i} < m && ${j} < n) c[${i} * ldc + ${j}] += vhsum(acc${i}_${j});`))
      .join('\n'),
  };
  writeFileSync(new URL(`f32_dots_${mr}x${nr}__${isa}.c`, here), fill(dotsTemplate, vars));
}
// Direct convolution rows for narrow groups: KB output channels per call.
const dconvTemplate = readFileSync(new URL('f32-dconv-row.c.in', here), 'utf8');
for (const isa of Object.keys(lanes)) {
  for (const kb of [4, 1]) {
    const ks = [...Array(kb).keys()];
    const vars = {
      ISA: isa,
      KB: kb,
      INIT: ks.map((k) => `    VF a${k}_0 = vsplat(b[${k}]), a${k}_1 = vsplat(b[${k}]);`).join('\n'),
      FMA: ks
        .map((k) => `        { const VF wk = vsplat(wc[${k} * ws + t]); a${k}_0 += wk * x0; a${k}_1 += wk * x1; }`)
        .join('\n'),
      STORE: ks
        .map((k) => `    vstore(y + ${k} * ys + i, a${k}_0);\n    if (two) vstore(y + ${k} * ys + i + VW, a${k}_1);`)
        .join('\n'),
    };
    writeFileSync(new URL(`f32_dconv_row_${kb}__${isa}.c`, here), fill(dconvTemplate, vars));
  }
}
const dw3Template = readFileSync(new URL('f32-dwconv-3x3.c.in', here), 'utf8');
for (const isa of Object.keys(lanes)) writeFileSync(new URL(`f32_dwconv_3x3__${isa}.c`, here), fill(dw3Template, { ISA: isa }));
const dw3uTemplate = readFileSync(new URL('f32-dwconv-3x3-unpadded.c.in', here), 'utf8');
for (const isa of Object.keys(lanes))
  writeFileSync(new URL(`f32_dwconv_3x3_unpadded__${isa}.c`, here), fill(dw3uTemplate, { ISA: isa }));
const dwTemplate = readFileSync(new URL('f32-dwconv-row.c.in', here), 'utf8');
for (const isa of Object.keys(lanes)) writeFileSync(new URL(`f32_dwconv_row__${isa}.c`, here), fill(dwTemplate, { ISA: isa }));
