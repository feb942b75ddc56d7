/**
 * Photo view: a file from the file input or dropped on the view goes to POST /predict; the
 * photo is drawn with each face's box, keypoints and label, with a bar chart per face, the
 * request's timings, and a message when there is no face or the service refuses the image.
 */
import { call, describeError } from './api.js';
import { faceCard } from './bars.js';
import { drawFaces } from './draw.js';
import { predictResponse, type ImageResult, type PredictResponse } from './schemas.js';
import { $, setStatus } from './dom.js';

const TIMING_NAMES: Readonly<Record<string, string>> = { decodeMs: 'decode', detectMs: 'detect', alignMs: 'align', inferMs: 'infer', totalMs: 'server total' };

export function setupPhoto(): void {
  const view = $('photo', HTMLElement);
  const input = $('photo-file', HTMLInputElement);
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (file) void analyse(file);
  });
  view.addEventListener('dragover', (e) => {
    e.preventDefault();
    view.classList.add('dragging');
  });
  view.addEventListener('dragleave', () => view.classList.remove('dragging'));
  view.addEventListener('drop', (e) => {
    e.preventDefault();
    view.classList.remove('dragging');
    const file = e.dataTransfer?.files[0];
    if (file) void analyse(file);
  });
}

async function analyse(file: File): Promise<void> {
  const status = $('photo-status', HTMLElement);
  const detect = $('photo-detect', HTMLSelectElement).value;
  clearResult();
  setStatus(status, `Looking for faces in ${file.name}…`, 'busy');
  const form = new FormData();
  form.append('image', file, file.name);
  let answer: { body: PredictResponse; ms: number };
  try {
    answer = await call('POST', `/predict?detect=${encodeURIComponent(detect)}`, predictResponse, form);
  } catch (err) {
    setStatus(status, `The image was not analysed: ${describeError(err)}`, 'error');
    return;
  }
  const result = answer.body.results[0];
  if (!result) {
    setStatus(status, 'The service returned no result for this image.', 'error');
    return;
  }
  setStatus(status, summary(file.name, result), result.faces.length === 0 || result.detection === 'none-found-whole-image' ? 'warn' : 'ok');
  await drawPhoto(file, result);
  showTimings(answer.body.timings, answer.ms);
}

function summary(name: string, r: ImageResult): string {
  const n = r.faces.length;
  if (n === 0) return `No face found in ${name}. Try a photo where the face is larger and turned to the camera, or, for a face crop, choose "the photo is one face crop" under Faces.`;
  if (r.detection === 'none-found-whole-image') return `No face found in ${name}: the whole image was classified as one face.`;
  if (r.detection === 'whole-image') return `${name}: the whole image was classified as one face.`;
  return `${n} face${n === 1 ? '' : 's'} found in ${name} (${r.width}x${r.height}).`;
}

function clearResult(): void {
  const canvas = $('photo-canvas', HTMLCanvasElement);
  canvas.width = 0;
  canvas.height = 0;
  $('photo-faces', HTMLElement).replaceChildren();
  $('photo-timings', HTMLElement).replaceChildren();
}

async function drawPhoto(file: File, r: ImageResult): Promise<void> {
  const canvas = $('photo-canvas', HTMLCanvasElement);
  // The service turns images upright by EXIF orientation; so does createImageBitmap.
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  canvas.width = r.width;
  canvas.height = r.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.drawImage(bitmap, 0, 0, r.width, r.height);
  bitmap.close();
  const numbered = r.faces.length > 1;
  drawFaces(
    ctx,
    r.faces.map((f, i) => ({ box: f.box, landmarks: f.landmarks, label: f.expression.label, confidence: f.expression.confidence, tag: numbered ? `${i + 1}` : undefined })),
  );
  canvas.dataset.faces = String(r.faces.length);
  $('photo-faces', HTMLElement).replaceChildren(...r.faces.map((f, i) => faceCard(`Face ${i + 1}`, f.expression)));
}

function showTimings(timings: Record<string, number>, roundTripMs: number): void {
  const list = $('photo-timings', HTMLElement);
  const rows = [...Object.entries(timings).map(([k, v]) => [TIMING_NAMES[k] ?? k, v] as const), ['round trip', roundTripMs] as const];
  list.replaceChildren(
    ...rows.flatMap(([name, v]) => {
      const dt = document.createElement('dt');
      dt.textContent = name;
      const dd = document.createElement('dd');
      dd.textContent = `${v.toFixed(1)} ms`;
      return [dt, dd];
    }),
  );
}
