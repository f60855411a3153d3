/**
 * The Python conformance suite (jupyter_kernel_test plus convlab's own protocol checks), run once against the
 * installed kernel; each check is reported as its own test.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt } from './build';

/** Every check of conformance.py; a check missing from its results fails, so none can silently disappear. */
const CHECKS = [
  'test_kernel_info',
  'test_execute_stdout',
  'test_execute_stderr',
  'test_completion',
  'test_is_complete',
  'test_execute_result',
  'test_display_data',
  'test_error',
  'test_inspect',
  'test_history',
  'test_clear_output',
  'test_execute_input',
  'test_type_error',
  'test_error_reply_fields',
  'test_state',
  'test_redeclaration',
  'test_top_level_await',
  'test_import_convlab',
  'test_import_local_package',
  'test_import_local_esm_package',
  'test_execute_result_rich',
  'test_tensor_display',
  'test_update_display_data',
  'test_comm_info',
  'test_stop_on_error_false',
  'test_stop_on_error_aborts_queue',
  'test_silent',
  'test_store_history_false',
  'test_user_expressions',
  'test_interrupt_message_busy_loop',
  'test_interrupt_message_await',
  'test_interrupt_sigint_busy_loop',
  'test_interrupt_sigint_await',
  'test_input_request',
  'test_stdout_flood',
  'test_fuzzed_frames',
  'test_kernel_info_details',
  'test_heartbeat',
  'test_restart_and_shutdown',
];

type Result = Record<string, { status: string; detail: string }>;
let results: Result = {};
let kernelLog = '';

beforeAll(() => {
  ensureBuilt();
  const prefix = mkdtempSync(path.join(tmpdir(), 'convlab-spec-'));
  execFileSync(process.execPath, [CLI, 'install', '--prefix', prefix]);
  const out = path.join(prefix, 'results.json');
  const run = spawnSync('/usr/bin/python3', [path.join(__dirname, 'conformance.py'), out], {
    env: { ...process.env, JUPYTER_PATH: path.join(prefix, 'share', 'jupyter') },
    encoding: 'utf8',
    timeout: 900_000,
    killSignal: 'SIGKILL',
  });
  try {
    results = JSON.parse(readFileSync(out, 'utf8'));
    kernelLog = readFileSync(`${out}.kernel.log`, 'utf8');
    // Measurements, not assertions: interrupt latency and the flood's message count and duration.
    console.log('kernel conformance timings', readFileSync(`${out}.timings.json`, 'utf8'));
  } catch {
    throw new Error(`conformance.py wrote no results (exit ${run.status}):\n${run.stderr}`);
  }
}, 900_000);

describe('kernel conformance (jupyter_kernel_test + protocol checks)', () => {
  it.each(CHECKS)('%s', (name) => {
    const r = results[name];
    expect(r, `${name} did not run`).toBeDefined();
    expect(r.status, `${r.detail}\nkernel log:\n${kernelLog.slice(-4000)}`).toBe('pass');
  });

  it('reports no check outside the list', () => {
    expect(Object.keys(results).filter((n) => !CHECKS.includes(n) && n !== 'test_pager')).toEqual([]);
  });
});
