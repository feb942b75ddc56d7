import { writeFile } from 'node:fs/promises';
import { LABELS, type ClassificationReport } from '@amft/shared';

/** CPU seconds this process has used, every thread (workers included), user + system. */
export const processCpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/**
 * A run's CPU-time budget (`--cpu-budget-min`): the clock runs while training steps run (batch
 * building and data-parallel workers included) and is paused around validation and epoch-end
 * checkpoints; `spentBefore` carries what a resumed run had already spent.
 */
export class CpuBudget {
  private mark: number | null = null;
  private spent: number;

  constructor(
    readonly seconds: number,
    spentBefore = 0,
    private readonly clock: () => number = processCpuSeconds,
  ) {
    this.spent = spentBefore;
  }

  start(): void {
    if (this.mark === null) this.mark = this.clock();
  }

  pause(): void {
    if (this.mark === null) return;
    this.spent += this.clock() - this.mark;
    this.mark = null;
  }

  /** CPU seconds spent so far. */
  spentSeconds(): number {
    return this.spent + (this.mark === null ? 0 : this.clock() - this.mark);
  }

  /** Fraction of the budget spent (the schedule's progress). */
  progress(): number {
    return this.spentSeconds() / this.seconds;
  }

  done(): boolean {
    return this.progress() >= 1;
  }
}

/** `<out>/budget.json`: what a budgeted run did and how it scored on val at the end. */
export interface BudgetResult {
  cpuBudgetMinutes: number;
  cpuMinutes: number;
  steps: number;
  imagesSeen: number;
  epochs: number;
  lastLr: number;
  val: {
    accuracy: number;
    macroF1: number;
    recall: Record<string, number>;
    precision: Record<string, number>;
    count: number;
  } | null;
}

export function budgetResult(b: CpuBudget, o: { steps: number; imagesSeen: number; epochs: number; lastLr: number; val?: ClassificationReport }): BudgetResult {
  const perClass = (key: 'recall' | 'precision') => Object.fromEntries(LABELS.map((l) => [l, o.val?.perClass[l]?.[key] ?? 0]));
  return {
    cpuBudgetMinutes: b.seconds / 60,
    cpuMinutes: b.spentSeconds() / 60,
    steps: o.steps,
    imagesSeen: o.imagesSeen,
    epochs: o.epochs,
    lastLr: o.lastLr,
    val: o.val ? { accuracy: o.val.accuracy, macroF1: o.val.macroF1, recall: perClass('recall'), precision: perClass('precision'), count: o.val.count } : null,
  };
}

export const writeBudgetResult = (path: string, r: BudgetResult) => writeFile(path, `${JSON.stringify(r, null, 2)}\n`);
