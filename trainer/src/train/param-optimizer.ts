import * as tf from '@tensorflow/tfjs';

/** A named tensor as tf.Optimizer's getWeights/setWeights use it (not exported by tfjs). */
export type NamedTensor = Awaited<ReturnType<tf.Optimizer['getWeights']>>[number];

/** A trainable variable and whether weight decay applies to it. */
export interface Param {
  variable: tf.Variable;
  decay: boolean;
}

/**
 * The model's trainable variables in a fixed order; weight decay applies to kernels only
 * (`kernel`, `depthwise_kernel`, `recurrent_kernel`, ...), not to biases, norms or embeddings.
 */
export function modelParams(model: tf.LayersModel): Param[] {
  return model.trainableWeights.map((w) => ({ variable: w.read() as tf.Variable, decay: /kernel$/.test(w.originalName) }));
}

/**
 * Base of our optimizers: per-parameter state slots addressed by position (so a checkpoint fits
 * any fresh build of the same model, whatever its variable names), a settable learning rate for
 * schedules, and decoupled weight decay (p -= lr * wd * p) on the params marked for it.
 */
export abstract class ParamOptimizer extends tf.Optimizer {
  private readonly index = new Map<string, number>();
  private readonly slots = new Map<string, Array<tf.Variable | undefined>>();

  constructor(
    protected readonly params: readonly Param[],
    public learningRate: number,
    public weightDecay: number,
  ) {
    super();
    params.forEach((p, i) => this.index.set(p.variable.name, i));
  }

  /** Updates one parameter from its gradient; runs inside a tidy. `step` counts from 1. */
  protected abstract update(i: number, p: tf.Variable, g: tf.Tensor, step: number): void;

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const grads = Array.isArray(variableGradients) ? variableGradients : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    const step = this.iterations + 1;
    // one tidy per parameter: a big model's update temporaries never pile up (the seed variant's
    // several per parameter, 190 MB each, would all be alive at once in the 4 GiB wasm heap)
    for (const { name, tensor: g } of grads) {
      const i = this.index.get(name);
      if (i === undefined) throw new Error(`gradient for '${name}', which is not one of this optimizer's parameters`);
      if (g == null) continue;
      const { variable: p, decay } = this.params[i];
      tf.tidy(() => {
        if (decay && this.weightDecay > 0) p.assign(tf.mul(p, 1 - this.learningRate * this.weightDecay));
        this.update(i, p, g, step);
      });
    }
    this.incrementIterations();
  }

  /** The state slot `slot` of parameter i, created as zeros on first use. */
  protected slot(slot: string, i: number): tf.Variable {
    let list = this.slots.get(slot);
    if (!list) this.slots.set(slot, (list = []));
    let v = list[i];
    if (!v) {
      // (setWeights calls this outside a tidy: the zeros must not outlive the variable's creation)
      const zeros = tf.zerosLike(this.params[i].variable);
      v = list[i] = tf.keep(tf.variable(zeros, false));
      zeros.dispose();
    }
    return v;
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const out: NamedTensor[] = [await this.saveIterations()];
    for (const [slot, list] of this.slots) list.forEach((v, i) => v && out.push({ name: `${slot}/${i}`, tensor: v }));
    return out;
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    this.disposeSlots();
    for (const { name, tensor } of rest) {
      const m = /^(.+)\/(\d+)$/.exec(name);
      const i = m ? Number(m[2]) : -1;
      const param = this.params[i];
      if (!m || !param) throw new Error(`optimizer state '${name}' fits no parameter (the model has ${this.params.length})`);
      if (!tf.util.arraysEqual(tensor.shape, param.variable.shape)) {
        throw new Error(`optimizer state '${name}' has shape [${tensor.shape}], parameter ${i} has [${param.variable.shape}]`);
      }
      this.slot(m[1], i).assign(tensor);
    }
  }

  override dispose(): void {
    super.dispose();
    this.disposeSlots();
  }

  private disposeSlots(): void {
    for (const list of this.slots.values()) list.forEach((v) => v?.dispose());
    this.slots.clear();
  }
}
