import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { tf } from './tf.js';

/**
 * Early stopping on a monitored loss that, unlike tfjs's own EarlyStopping (whose
 * restoreBestWeights throws NotImplementedError), keeps a copy of the best epoch's weights and
 * puts them back when training ends — what Keras does with restore_best_weights=True.
 */
export class BestWeightsEarlyStopping {
  private best = Number.POSITIVE_INFINITY;
  private bestWeights: tf.Tensor[] | undefined;
  private wait = 0;
  /** The 0-based epoch whose weights were kept. */
  bestEpoch = -1;

  constructor(
    private readonly model: LayersModel,
    private readonly patience: number,
    private readonly minDelta = 0
  ) {}

  /** Record an epoch's monitored loss; returns true when training should stop. */
  onEpochEnd(epoch: number, loss: number): boolean {
    if (loss < this.best - this.minDelta) {
      this.best = loss;
      this.bestEpoch = epoch;
      this.wait = 0;
      this.bestWeights?.forEach((t) => t.dispose());
      this.bestWeights = this.model.getWeights().map((w) => w.clone());
      return false;
    }
    this.wait += 1;
    return this.wait >= this.patience;
  }

  /** Put the best weights back into the model and free the copies. */
  onTrainEnd(): void {
    if (!this.bestWeights) return;
    this.model.setWeights(this.bestWeights);
    this.bestWeights.forEach((t) => t.dispose());
    this.bestWeights = undefined;
  }

  /** The best monitored loss seen. */
  get bestLoss(): number {
    return this.best;
  }
}
