#!/usr/bin/env node
// Rebuilds native/wasm/convlab.wasm (SIMD128) and native/wasm/convlab-relaxed.wasm (relaxed SIMD: fused multiply-add,
// used where the runtime validates it) from the C sources with @yowasp/clang (clang compiled to WebAssembly, installed
// in native/toolchain), and records a hash of the sources it was built from in native/wasm/convlab.wasm.json, which a
// test compares with the current sources. Usage: (cd native/toolchain && npm ci) && node native/build-wasm.mjs
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const root = new URL('./', import.meta.url);
export const wasmSources = [
  'src/convlab.h',
  'src/gemm.h',
  'src/conv.h',
  'src/clmem.h',
  'src/config.c',
  'src/gemm.c',
  'src/conv.c',
  'src/conv_backward.c',
  'src/deform.c',
  'src/normpool.h',
  'src/norm.c',
  'src/pool.c',
  'src/copy.c',
  'src/eltwise.h',
  'src/eltwise.c',
  'src/kernels/isa-wasmsimd.h',
  'src/kernels/isa-scalar.h',
  'src/kernels/f32_gemm_6x8__wasmsimd.c',
  'src/kernels/f32_igemm_6x8__wasmsimd.c',
  'src/kernels/f32_gemm_5x8__wasmsimd.c',
  'src/kernels/f32_igemm_5x8__wasmsimd.c',
  'src/kernels/f32_gemm_4x8__wasmsimd.c',
  'src/kernels/f32_igemm_4x8__wasmsimd.c',
  'src/kernels/f32_gemm_4x4__scalar.c',
  'src/kernels/f32_igemm_4x4__scalar.c',
  'src/kernels/f32_gemm_2x4__scalar.c',
  'src/kernels/f32_igemm_2x4__scalar.c',
  'src/kernels/f32_dots_2x4__wasmsimd.c',
  'src/kernels/f32_dots_2x4__scalar.c',
  'src/kernels/f32_dwconv_row__wasmsimd.c',
  'src/kernels/f32_dwconv_row__scalar.c',
  'src/kernels/f32_dwconv_3x3__wasmsimd.c',
  'src/kernels/f32_dwconv_3x3_unpadded__wasmsimd.c',
  'src/kernels/f32_dwconv_3x3_unpadded__scalar.c',
  'src/kernels/f32_dwconv_3x3__scalar.c',
  'src/kernels/f32_dconv_row_4__wasmsimd.c',
  'src/kernels/f32_dconv_row_1__wasmsimd.c',
  'src/kernels/f32_dconv_row_4__scalar.c',
  'src/kernels/f32_dconv_row_1__scalar.c',
  'wasm/platform.c',
];
const exportsList = [
  'cl_gemm',
  'cl_gemm_workspace',
  'cl_conv_workspace',
  'cl_conv_forward',
  'cl_conv_backward_data',
  'cl_conv_backward_filter',
  'cl_deform_im2col',
  'cl_deform_col2im',
  'cl_batch_norm_forward',
  'cl_batch_norm_backward',
  'cl_max_pool2d_forward',
  'cl_max_pool2d_backward',
  'cl_avg_pool2d_forward',
  'cl_avg_pool2d_backward',
  'cl_adaptive_avg_pool2d_forward',
  'cl_adaptive_avg_pool2d_backward',
  'cl_interpolate2d_forward',
  'cl_interpolate2d_backward',
  'cl_strided_copy',
  'cl_binary',
  'cl_unary',
  'cl_unary_backward',
  'cl_reduce',
  'cl_softmax',
  'cl_softmax_backward',
  '__stack_pointer',
];
const flags = [
  '--target=wasm32',
  '-O3',
  '-msimd128',
  '-matomics',
  '-mbulk-memory',
  '-ffreestanding',
  '-nostdlib',
  '-fno-builtin-memcpy',
  '-Isrc',
  '-Wall',
  '-Wno-unused-function',
];
const linkFlags = [
  '-Wl,--no-entry',
  '-Wl,--import-memory',
  '-Wl,--shared-memory',
  '-Wl,--max-memory=4294967296',
  '-Wl,-z,stack-size=262144',
  ...exportsList.map((e) => `-Wl,--export=${e}`),
];

/** The two modules: plain SIMD128 for every runtime, and relaxed SIMD, whose a·b + c contracts to relaxed_madd. */
export const variants = {
  'convlab.wasm': [],
  'convlab-relaxed.wasm': ['-mrelaxed-simd', '-ffp-contract=fast'],
};

/** The hash a test recomputes: every source byte, and the flags. */
export function sourceHash() {
  const h = createHash('sha256');
  for (const s of wasmSources) h.update(s).update(readFileSync(new URL(s, root)));
  h.update(JSON.stringify([flags, linkFlags, variants]));
  return h.digest('hex');
}

async function build() {
  const require = createRequire(new URL('toolchain/package.json', root));
  const { runClang } = await import(require.resolve('@yowasp/clang'));
  const files = { src: { kernels: {} }, wasm: {} };
  for (const s of wasmSources) {
    const parts = s.split('/');
    let dir = files;
    for (const p of parts.slice(0, -1)) dir = dir[p];
    dir[parts.at(-1)] = readFileSync(new URL(s, root), 'utf8');
  }
  const cfiles = wasmSources.filter((s) => s.endsWith('.c'));
  const wasmHashes = {};
  for (const [name, extra] of Object.entries(variants)) {
    const out = await runClang(['clang', ...flags, ...extra, ...linkFlags, ...cfiles, '-o', name], files);
    writeFileSync(new URL(`wasm/${name}`, root), out[name]);
    wasmHashes[name] = createHash('sha256').update(out[name]).digest('hex');
    console.log(`native/wasm/${name}: ${out[name].length} bytes`);
  }
  const meta = { sourceHash: sourceHash(), wasmHashes, compiler: '@yowasp/clang', sources: wasmSources };
  writeFileSync(new URL('wasm/convlab.wasm.json', root), `${JSON.stringify(meta, null, 2)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await build();
