/** Per face: a caption and a bar per expression, longest for the most probable. */
import { labelColor, pct } from './labels.js';
import type { Expression } from './schemas.js';

export function faceCard(title: string, expr: Expression): HTMLElement {
  const card = document.createElement('figure');
  card.className = 'face-card';
  const caption = document.createElement('figcaption');
  const name = document.createElement('strong');
  name.textContent = expr.label;
  name.className = 'face-label';
  caption.append(`${title}: `, name, ` ${pct(expr.confidence)}`);
  const list = document.createElement('ol');
  list.className = 'bars';
  for (const [label, p] of Object.entries(expr.probabilities)) {
    const item = document.createElement('li');
    item.dataset.label = label;
    if (label === expr.label) item.classList.add('top');
    const nameEl = document.createElement('span');
    nameEl.className = 'bar-name';
    nameEl.textContent = label;
    const track = document.createElement('span');
    track.className = 'bar';
    const fill = document.createElement('span');
    fill.className = 'bar-fill';
    fill.style.width = pct(Math.min(1, Math.max(0, p)), 1);
    fill.style.background = labelColor(label);
    track.append(fill);
    const value = document.createElement('span');
    value.className = 'bar-value';
    value.textContent = pct(p, 1);
    item.append(nameEl, track, value);
    list.append(item);
  }
  card.append(caption, list);
  return card;
}
