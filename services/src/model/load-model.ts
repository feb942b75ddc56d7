/**
 * Loads a model directory (`metadata.json` + `model.onnx`, as `amft export` writes them):
 * parses the metadata with the shared schema, opens the ONNX session and checks that the graph's
 * input/output names and shapes are the ones the metadata promises. Any problem is a
 * ModelLoadError whose message says what is wrong and where, so the service refuses to start.
 */
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { LABELS, ModelMetadata } from '@amft/shared';
import { providersFor, type IoInfo, type ModelSession, type SessionOptions } from '../inference/session.js';
import { openSession } from '../inference/worker-session.js';
import { RemoteSession, type RemoteOptions } from '../inference/remote-session.js';

export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

export interface LoadedModel {
  dir: string;
  metadata: ModelMetadata;
  session: ModelSession;
  /** True when the model has the LSTM sequence head (metadata `io.sequence`). */
  hasSequence: boolean;
  /**
   * True when the per-image input is the sequence input (`io.input === io.sequence.input`, the
   * trainer's LSTM export): a single image is then fed as a clip of one frame, [N,1,C,H,W].
   */
  imageAsClip: boolean;
}

/** Whether the metadata says single images go in as one-frame clips. */
export function imageAsClip(metadata: ModelMetadata): boolean {
  return metadata.io.sequence !== undefined && metadata.io.input === metadata.io.sequence.input;
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

export async function readMetadata(dir: string): Promise<ModelMetadata> {
  const path = join(dir, 'metadata.json');
  if (!(await isFile(path))) throw new ModelLoadError(`model directory ${dir} has no metadata.json`);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new ModelLoadError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = ModelMetadata.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
    throw new ModelLoadError(`${path} does not match the model metadata schema:\n${issues}`);
  }
  return parsed.data;
}

const fmt = (shape: IoInfo['shape']) => (shape ? `[${shape.join(',')}]` : '[?]');

/** Checks a tensor's shape: `expected` entries of null accept any (dynamic) size. */
function checkShape(kind: string, info: IoInfo | undefined, expected: (number | null)[], problems: string[]): void {
  if (!info) return;
  if (info.type !== 'float32') problems.push(`${kind} '${info.name}' is ${info.type}, expected float32`);
  const shape = info.shape;
  if (!shape) return;
  if (shape.length !== expected.length) {
    problems.push(`${kind} '${info.name}' has shape ${fmt(shape)}, expected rank ${expected.length} [${expected.map((e) => e ?? 'N').join(',')}]`);
    return;
  }
  expected.forEach((e, i) => {
    const d = shape[i];
    if (e !== null && typeof d === 'number' && d >= 0 && d !== e) {
      problems.push(`${kind} '${info.name}' has shape ${fmt(shape)}, expected [${expected.map((x) => x ?? 'N').join(',')}] (dimension ${i} is ${d}, metadata says ${e})`);
    }
  });
}

/** Compares the session's graph with the metadata; returns every mismatch found. */
export function checkGraph(metadata: ModelMetadata, session: Pick<ModelSession, 'inputs' | 'outputs'>): string[] {
  const problems: string[] = [];
  const { channels: C, height: H, width: W, mean, std } = metadata.preprocessing;
  const K = LABELS.length;
  if (mean.length !== 1 && mean.length !== C) problems.push(`preprocessing.mean has ${mean.length} values for ${C} channels`);
  if (std.length !== 1 && std.length !== C) problems.push(`preprocessing.std has ${std.length} values for ${C} channels`);
  const inputs = new Map(session.inputs.map((i) => [i.name, i]));
  const outputs = new Map(session.outputs.map((o) => [o.name, o]));
  const names = (m: Map<string, IoInfo>) => [...m.keys()].join(', ') || '(none)';
  const needInput = (name: string, what: string) => {
    if (!inputs.has(name)) problems.push(`metadata ${what} '${name}' is not an input of model.onnx (inputs: ${names(inputs)})`);
    return inputs.get(name);
  };
  const needOutput = (name: string, what: string) => {
    if (!outputs.has(name)) problems.push(`metadata ${what} '${name}' is not an output of model.onnx (outputs: ${names(outputs)})`);
    return outputs.get(name);
  };
  const io = metadata.io;
  // The trainer's LSTM export has one input, [N,T,C,H,W], named by both io.input and io.sequence.input.
  checkShape('input', needInput(io.input, 'io.input'), imageAsClip(metadata) ? [null, null, C, H, W] : [null, C, H, W], problems);
  checkShape('output', needOutput(io.logits, 'io.logits'), [null, K], problems);
  checkShape('output', needOutput(io.probabilities, 'io.probabilities'), [null, K], problems);
  const known = new Set([io.input]);
  if (io.sequence) {
    const s = io.sequence;
    known.add(s.input);
    if (s.input !== io.input) checkShape('input', needInput(s.input, 'io.sequence.input'), [null, null, C, H, W], problems);
    if (s.logits !== io.logits) checkShape('output', needOutput(s.logits, 'io.sequence.logits'), [null, K], problems);
    if (s.probabilities !== io.probabilities) checkShape('output', needOutput(s.probabilities, 'io.sequence.probabilities'), [null, K], problems);
    checkShape('output', needOutput(s.frameLogits, 'io.sequence.frameLogits'), [null, null, K], problems);
  }
  const extra = [...inputs.keys()].filter((n) => !known.has(n));
  if (extra.length) problems.push(`model.onnx has inputs the metadata does not name: ${extra.join(', ')}`);
  return problems;
}

export type LoadOptions = SessionOptions & {
  inWorker?: boolean;
  /** Run the model on this v2 server (model name: metadata `name`); only metadata.json is read here. */
  remote?: Omit<RemoteOptions, 'model' | 'check' | 'log'>;
};

/**
 * Loads and checks a model directory. The caller owns the returned session; with `inWorker` it
 * runs on a worker thread of its own; with `remote`, on a v2 server, checked against the
 * metadata once that server is reachable.
 */
export async function loadModel(dirIn: string, opts: LoadOptions): Promise<LoadedModel> {
  providersFor(opts.device); // an unknown device is reported as such, before anything is read
  const dir = await modelDir(dirIn);
  const metadata = await readMetadata(dir);
  const loaded = { dir, metadata, hasSequence: metadata.io.sequence !== undefined, imageAsClip: imageAsClip(metadata) };
  if (opts.remote) {
    const session = await RemoteSession.open({ ...opts.remote, model: metadata.name, log: opts.log, check: (s) => checkGraph(metadata, s) });
    if (session.problems.length) throw mismatch(`the model '${metadata.name}' at ${opts.remote.url}`, dir, session.problems);
    return { ...loaded, session };
  }
  const onnxPath = join(dir, 'model.onnx');
  if (!(await isFile(onnxPath))) throw new ModelLoadError(`model directory ${dir} has no model.onnx`);
  let session: ModelSession;
  try {
    session = await openSession(onnxPath, opts);
  } catch (err) {
    throw new ModelLoadError(`${onnxPath} could not be loaded by onnxruntime: ${(err as Error).message}`);
  }
  const problems = checkGraph(metadata, session);
  if (problems.length) {
    await session.release();
    throw mismatch(onnxPath, dir, problems);
  }
  return { ...loaded, session };
}

function mismatch(what: string, dir: string, problems: string[]): ModelLoadError {
  return new ModelLoadError(`${what} does not match ${join(dir, 'metadata.json')}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
}

async function modelDir(dirIn: string): Promise<string> {
  const dir = resolve(dirIn);
  let st;
  try {
    st = await stat(dir);
  } catch {
    throw new ModelLoadError(`model directory ${dir} does not exist (set --model-dir or FER_MODEL_DIR; a model directory holds model.onnx and metadata.json)`);
  }
  if (!st.isDirectory()) throw new ModelLoadError(`model directory ${dir} is not a directory`);
  return dir;
}
