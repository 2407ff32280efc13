import { type LossPoint, lossCurveSvg } from '@peft/train';

/**
 * A live loss chart: the training curve drawn with `@peft/train`'s `lossCurveSvg` (the same chart
 * `peft train` writes as loss_curve.svg), redrawn at most once per animation frame.
 *
 * @example
 * ```ts
 * const chart = new LossChart(document.querySelector('#chart')!);
 * chart.add({ step: 1, loss: 3.2 });
 * ```
 */
export class LossChart {
  private readonly points: LossPoint[] = [];
  private scheduled = false;

  constructor(private readonly host: HTMLElement) {
    this.draw();
  }

  /** Adds a point and schedules a redraw. @example `chart.add({ step: 2, loss: 2.9 })` */
  add(point: LossPoint): void {
    this.points.push(point);
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.draw();
    });
  }

  /** Draws now (after the last step, so the final point is on screen before a screenshot). @example `chart.draw()` */
  draw(): void {
    const smoothing = this.points.length > 20 ? 0.6 : 0;
    this.host.innerHTML = lossCurveSvg({ train: this.points }, { title: 'LoRA training loss', width: 640, height: 300, smoothing });
    this.host.dataset.points = String(this.points.length);
  }
}
