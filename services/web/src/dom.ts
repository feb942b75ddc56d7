/** Small DOM helpers: typed element lookup, status lines. */
export function $<T extends HTMLElement>(id: string, type: abstract new () => T): T {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`the page has no ${type.name} #${id}`);
  return el;
}

export type StatusKind = 'ok' | 'busy' | 'warn' | 'error' | 'info';

export function setStatus(el: HTMLElement, text: string, kind: StatusKind = 'info'): void {
  el.textContent = text;
  el.dataset.kind = kind;
}

export function cell(tag: 'td' | 'th', text: string, className?: string): HTMLTableCellElement {
  const c = document.createElement(tag);
  c.textContent = text;
  if (className) c.className = className;
  return c;
}
