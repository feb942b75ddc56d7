/**
 * `amft export-triton`: the repository's config.pbtxt (read with a protobuf text-format parser)
 * names and shapes every input and output as onnxruntime reads them from the copied graph, for
 * the bundled default model and for both LSTM layouts; labels file, version directory, flags.
 */
import t, { type Test } from 'tap';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { ModelMetadata } from '@amft/shared';
import { runExportTriton } from '../../src/cli/export-triton.js';
import { makeModel } from '../../../services/test/fixtures/make-model.js';
import { parsePbtxt, type PbMessage } from './pbtxt.js';

const DEFAULT_MODEL = fileURLToPath(new URL('../../../models/default', import.meta.url));
const out = await mkdtemp(join(tmpdir(), 'amft-triton-'));
t.teardown(() => rm(out, { recursive: true, force: true }));
const quiet = { write: () => true };

const one = <T>(m: PbMessage, field: string): T => {
  const v = m[field];
  if (v?.length !== 1) throw new Error(`field ${field}: ${v?.length ?? 0} values, expected 1`);
  return v[0] as T;
};

/** Checks config tensors against the graph's, as onnxruntime reads it. */
function checkTensors(t: Test, kind: string, config: PbMessage[], graph: readonly ort.InferenceSession.ValueMetadata[], batched: boolean) {
  t.same(config.map((c) => one(c, 'name')), graph.map((g) => g.name), `${kind} names, in the graph's order`);
  for (const g of graph) {
    const c = config.find((x) => one(x, 'name') === g.name);
    if (!c || !g.isTensor) continue;
    t.equal(one(c, 'data_type'), 'TYPE_FP32', `${kind} ${g.name}: TYPE_FP32`);
    t.equal(g.type, 'float32');
    const dims = g.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1));
    if (batched) t.equal(dims[0], -1, `${kind} ${g.name}: leads with a dynamic batch dimension`);
    t.same(c.dims, batched ? dims.slice(1) : dims, `${kind} ${g.name}: dims [${(c.dims ?? []).join(',')}] = graph [${dims.join(',')}] less the batch`);
  }
}

const cases: [string, string][] = [
  ['the default model', DEFAULT_MODEL],
  ['LSTM, one clip input', makeModel({ sequence: true }).dir],
  ['LSTM, image and clip inputs', makeModel({ sequence: 'two-inputs', channels: 3 }).dir],
];

for (const [what, dir] of cases) {
  t.test(`${what}: config.pbtxt matches the graph`, async (t) => {
    const metadata = ModelMetadata.parse(JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8')));
    const repo = join(out, what.replace(/\W+/g, '-'));
    const written = await runExportTriton(['--model-dir', dir, '--out', repo, '--max-batch-size', '16', '--queue-delay-us', '250'], quiet);
    t.ok(written);
    const name = metadata.name;
    const config = parsePbtxt(await readFile(join(repo, name, 'config.pbtxt'), 'utf8'));
    const copied = await readFile(join(repo, name, '1', 'model.onnx'));
    t.ok(copied.equals(await readFile(join(dir, 'model.onnx'))), 'model.onnx copied into version 1');
    const session = await ort.InferenceSession.create(copied);
    t.teardown(() => session.release());
    t.equal(one(config, 'name'), name, 'named as the metadata (the name the service asks for)');
    t.equal(one(config, 'platform'), 'onnxruntime_onnx');
    t.equal(one(config, 'max_batch_size'), 16);
    checkTensors(t, 'input', config.input as PbMessage[], session.inputMetadata, true);
    checkTensors(t, 'output', config.output as PbMessage[], session.outputMetadata, true);
    const batching = one<PbMessage>(config, 'dynamic_batching');
    t.same(batching.preferred_batch_size, [4, 8, 16], 'preferred batch sizes up to the maximum');
    t.same(batching.max_queue_delay_microseconds, [250]);
    const labelled = (config.output as PbMessage[]).filter((o) => o.label_filename);
    t.ok(labelled.length >= 2, `label_filename on the class outputs (${labelled.map((o) => one(o, 'name')).join(', ')})`);
    for (const o of labelled) t.equal(one(o, 'label_filename'), 'labels.txt');
    t.same((await readFile(join(repo, name, 'labels.txt'), 'utf8')).trim().split('\n'), metadata.labels, 'labels.txt: the labels in order');
  });
}

t.test('flags', async (t) => {
  let help = '';
  await runExportTriton(['--help'], { write: (s: string) => (help += s) });
  t.match(help, /--model-dir/);
  await t.rejects(runExportTriton(['--model-dir', DEFAULT_MODEL, '--out', out, '--max-batch-size', '8', '--preferred-batch-sizes', '4,16'], quiet), /preferred batch sizes 16 are not within 1\.\.max-batch-size 8/);
  await t.rejects(runExportTriton(['--model-dir', DEFAULT_MODEL, '--out', out, '--name', '../escape'], quiet), /not a directory name/);
  await t.rejects(runExportTriton(['--out', out], quiet), /modelDir|model-dir/);
  const w = await runExportTriton(['--model-dir', DEFAULT_MODEL, '--out', out, '--name', 'fer', '--preferred-batch-sizes', '2,32', '--instances', '2', '--version', '3'], quiet);
  const config = parsePbtxt(await readFile(join(out, 'fer', 'config.pbtxt'), 'utf8'));
  t.equal(w?.modelPath, join(out, 'fer', '3', 'model.onnx'));
  t.same(one<PbMessage>(config, 'dynamic_batching').preferred_batch_size, [2, 32]);
  t.same(one<PbMessage>(config, 'instance_group').count, [2]);
});
