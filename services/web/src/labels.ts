/** One colour per expression, shared by boxes, bars, the timeline and the legend. */
export const LABEL_COLORS: Readonly<Record<string, string>> = Object.freeze({
  angry: '#e53935',
  disgust: '#7cb342',
  fear: '#8e24aa',
  happy: '#fdd835',
  sad: '#1e88e5',
  surprise: '#fb8c00',
  neutral: '#90a4ae',
});

/** Colour of a label; a grey for one not in the table (a model with other classes). */
export function labelColor(label: string): string {
  return LABEL_COLORS[label] ?? '#bdbdbd';
}

export const pct = (v: number, digits = 0) => `${(100 * v).toFixed(digits)}%`;
