/**
 * Webcam view: frames from the camera go to POST /predict (faces=near: the selfie-range pass,
 * the cheapest) at a steady rate (a tick is skipped
 * while the previous frame is still out, so requests never pile up); faces are tracked across
 * frames and their labels smoothed (track.ts); the page shows the live label per face, a
 * timeline of the last seconds, frames per second and latency. A denied or missing camera is
 * a message, and the rest of the page keeps working.
 */
import { call, describeError } from './api.js';
import { faceCard } from './bars.js';
import { $, setStatus } from './dom.js';
import { drawFaces } from './draw.js';
import { predictResponse } from './schemas.js';
import { Timeline } from './timeline.js';
import { Tracker } from './track.js';

const STATS_WINDOW = 30;

interface State {
  stream: MediaStream;
  timer: number;
  inFlight: boolean;
  sent: number;
  skipped: number;
  /** Arrival times and round trips of the last answers. */
  answered: { t: number; ms: number }[];
}

let state: State | undefined;
const tracker = new Tracker();
let timeline: Timeline | undefined;

export function setupWebcam(): void {
  timeline = new Timeline($('webcam-timeline', HTMLCanvasElement));
  timeline.draw(performance.now());
  $('webcam-start', HTMLButtonElement).addEventListener('click', () => void start());
  $('webcam-stop', HTMLButtonElement).addEventListener('click', () => stop('Camera stopped.'));
}

function buttons(running: boolean): void {
  $('webcam-start', HTMLButtonElement).disabled = running;
  $('webcam-stop', HTMLButtonElement).disabled = !running;
  $('webcam-rate', HTMLSelectElement).disabled = running;
}

async function start(): Promise<void> {
  const status = $('webcam-status', HTMLElement);
  if (state) return;
  if (!navigator.mediaDevices?.getUserMedia) {
    setStatus(status, 'This browser gives the page no camera (a camera needs a secure page: https, or the service opened as 127.0.0.1 or localhost). Use the Photo view instead.', 'error');
    return;
  }
  setStatus(status, 'Asking for the camera…', 'busy');
  buttons(true);
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });
  } catch (err) {
    buttons(false);
    const name = err instanceof DOMException ? err.name : '';
    const why =
      name === 'NotAllowedError' ? 'permission was denied' : name === 'NotFoundError' ? 'no camera was found' : name === 'NotReadableError' ? 'the camera is in use by another program' : describeError(err);
    setStatus(status, `Camera unavailable: ${why}${name ? ` (${name})` : ''}. Allow the camera for this page and press Start again, or use the Photo view.`, 'error');
    return;
  }
  const video = $('webcam-video', HTMLVideoElement);
  video.srcObject = stream;
  await video.play();
  tracker.reset();
  timeline?.clear();
  const rate = Number($('webcam-rate', HTMLSelectElement).value) || 5;
  state = { stream, timer: window.setInterval(() => void tick(), 1000 / rate), inFlight: false, sent: 0, skipped: 0, answered: [] };
  setStatus(status, `Camera on: sending ${rate} frames per second to /predict.`, 'ok');
}

function stop(message: string): void {
  if (!state) return;
  window.clearInterval(state.timer);
  for (const t of state.stream.getTracks()) t.stop();
  state = undefined;
  $('webcam-video', HTMLVideoElement).srcObject = null;
  buttons(false);
  setStatus($('webcam-status', HTMLElement), message, 'info');
}

const frameCanvas = document.createElement('canvas');

/** The current video frame as a JPEG. */
async function grab(video: HTMLVideoElement): Promise<Blob | null> {
  const canvas = frameCanvas;
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext('2d')?.drawImage(video, 0, 0);
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.85));
}

async function tick(): Promise<void> {
  const s = state;
  const video = $('webcam-video', HTMLVideoElement);
  if (!s || video.videoWidth === 0) return;
  if (s.inFlight) {
    s.skipped++;
    return;
  }
  s.inFlight = true;
  try {
    const frame = await grab(video);
    if (!frame) return;
    const form = new FormData();
    form.append('image', frame, 'frame.jpg');
    s.sent++;
    const answer = await call('POST', '/predict?detect=always&faces=near', predictResponse, form);
    if (state !== s) return; // stopped meanwhile
    const now = performance.now();
    s.answered.push({ t: now, ms: answer.ms });
    if (s.answered.length > STATS_WINDOW) s.answered.shift();
    const result = answer.body.results[0];
    const tracks = tracker.update(result?.faces ?? [], now);
    show(result?.width ?? video.videoWidth, result?.height ?? video.videoHeight, tracks);
    timeline?.push(now, tracks);
    timeline?.draw(now);
    stats(s);
  } catch (err) {
    if (state === s) setStatus($('webcam-status', HTMLElement), `Frame not analysed: ${describeError(err)}`, 'error');
  } finally {
    s.inFlight = false;
  }
}

function show(width: number, height: number, tracks: ReturnType<Tracker['update']>): void {
  const overlay = $('webcam-overlay', HTMLCanvasElement);
  overlay.width = width;
  overlay.height = height;
  const ctx = overlay.getContext('2d');
  if (ctx) drawFaces(ctx, tracks.map((t) => ({ box: t.box, landmarks: t.face.landmarks, label: t.label, confidence: t.confidence, tag: `#${t.id}` })));
  const faces = $('webcam-faces', HTMLElement);
  if (tracks.length === 0) {
    const p = document.createElement('p');
    p.className = 'muted';
    p.textContent = 'No face in this frame.';
    faces.replaceChildren(p);
  } else {
    faces.replaceChildren(...tracks.map((t) => faceCard(`Face #${t.id} (smoothed)`, { label: t.label, confidence: t.confidence, probabilities: t.smoothed })));
  }
}

function stats(s: State): void {
  const a = s.answered;
  const span = a.length > 1 ? (a[a.length - 1].t - a[0].t) / 1000 : 0;
  const fps = span > 0 ? (a.length - 1) / span : 0;
  const sorted = a.map((x) => x.ms).sort((x, y) => x - y);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const last = a[a.length - 1]?.ms ?? 0;
  const el = $('webcam-stats', HTMLElement);
  el.textContent = `${fps.toFixed(1)} frames/s · latency ${last.toFixed(0)} ms (median ${median.toFixed(0)} ms) · ${s.sent} sent, ${s.skipped} skipped while busy`;
  el.dataset.frames = String(s.sent);
}
