/** Rounds to 0.01: every duration (ms) and box coordinate the service reports. */
export const round2 = (v: number): number => Math.round(v * 100) / 100;
