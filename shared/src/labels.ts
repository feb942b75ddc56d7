/** The seven expression classes, in FER2013 order (index = FER2013 `emotion` value). */
export const LABELS = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'] as const;
export type Label = (typeof LABELS)[number];
export const NUM_CLASSES = LABELS.length;

const INDEX: ReadonlyMap<string, number> = new Map(LABELS.map((l, i) => [l, i]));

/**
 * Parses a label given as a class name (case-insensitive) or as a class index ("0".."6").
 * Returns the class index, or undefined when the value names no class.
 */
export function parseLabel(value: string): number | undefined {
  const v = value.trim().toLowerCase();
  if (/^\d+$/.test(v)) {
    const i = Number(v);
    return i < NUM_CLASSES ? i : undefined;
  }
  return INDEX.get(v);
}
