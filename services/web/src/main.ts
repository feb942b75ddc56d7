/** The page: API key field, the three views behind tabs (#photo, #webcam, #testset), model info. */
import { call, describeError, getApiKey, setApiKey } from './api.js';
import { $ } from './dom.js';
import { LABEL_COLORS } from './labels.js';
import { setupPhoto } from './photo.js';
import { modelInfo } from './schemas.js';
import { setupTestSet } from './testset.js';
import { setupWebcam } from './webcam.js';

const VIEWS = ['photo', 'webcam', 'testset'] as const;
type View = (typeof VIEWS)[number];

function show(view: View): void {
  for (const v of VIEWS) {
    $(v, HTMLElement).hidden = v !== view;
    const tab = document.querySelector<HTMLElement>(`[data-view="${v}"]`);
    tab?.setAttribute('aria-pressed', String(v === view));
  }
}

function fromHash(): View {
  const h = location.hash.slice(1);
  return (VIEWS as readonly string[]).includes(h) ? (h as View) : 'photo';
}

async function loadModel(): Promise<void> {
  const el = $('model-info', HTMLElement);
  try {
    const { body } = await call('GET', '/v1/model', modelInfo);
    el.textContent = `model ${body.name} (${body.variant}), ${body.labels.length} expressions`;
  } catch (err) {
    el.textContent = describeError(err);
  }
}

function legend(): void {
  $('legend', HTMLElement).replaceChildren(
    ...Object.entries(LABEL_COLORS).map(([label, color]) => {
      const item = document.createElement('span');
      const swatch = document.createElement('i');
      swatch.style.background = color;
      item.append(swatch, label);
      return item;
    }),
  );
}

function main(): void {
  const key = $('api-key', HTMLInputElement);
  key.value = getApiKey();
  key.addEventListener('change', () => {
    setApiKey(key.value);
    void loadModel();
  });
  for (const tab of document.querySelectorAll<HTMLElement>('[data-view]')) {
    tab.addEventListener('click', () => {
      history.replaceState(null, '', `#${tab.dataset.view}`);
      show(fromHash());
    });
  }
  window.addEventListener('hashchange', () => show(fromHash()));
  show(fromHash());
  legend();
  setupPhoto();
  setupWebcam();
  setupTestSet();
  void loadModel();
}

main();
