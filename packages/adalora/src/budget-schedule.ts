/**
 * The inputs of AdaLoRA's rank budget schedule: the total rank at the start (`init_r` summed over the
 * adapted modules), the total rank at the end (`target_r` × the number of modules), and the
 * config's `tinit`, `tfinal`, `total_step` and `deltaT`.
 *
 * @example
 * ```ts
 * const s: BudgetScheduleOptions = { initBudget: 24, targetBudget: 8, tinit: 2, tfinal: 3, totalStep: 12, deltaT: 1 };
 * ```
 */
export interface BudgetScheduleOptions {
  readonly initBudget: number;
  readonly targetBudget: number;
  readonly tinit: number;
  readonly tfinal: number;
  readonly totalStep: number;
  readonly deltaT: number;
}

/**
 * The total rank AdaLoRA allows after step `step` (counted from 0) and whether ranks are masked to it
 * then (PEFT's `RankAllocator.budget_schedule`):
 *
 * - warm-up, `step ≤ tinit`: the initial budget, no masking;
 * - final phase, `step > total_step − tfinal`: the target budget (the masks are frozen by then);
 * - in between, the budget falls cubically,
 *   `⌊(init − target)·(1 − (step − tinit)/(total_step − tfinal − tinit))³ + target⌋`, and ranks are
 *   masked every `deltaT` steps (when `step % deltaT == 0`).
 *
 * @example
 * ```ts
 * budgetAt({ initBudget: 24, targetBudget: 8, tinit: 2, tfinal: 3, totalStep: 12, deltaT: 1 }, 4);
 * // { budget: 13, mask: true }: ⌊16·(5/7)³ + 8⌋ = ⌊13.83…⌋
 * ```
 */
export function budgetAt(s: BudgetScheduleOptions, step: number): { budget: number; mask: boolean } {
  if (step <= s.tinit) return { budget: s.initBudget, mask: false };
  if (step > s.totalStep - s.tfinal) return { budget: s.targetBudget, mask: true };
  const coeff = 1 - (step - s.tinit) / (s.totalStep - s.tfinal - s.tinit);
  const budget = Math.trunc((s.initBudget - s.targetBudget) * coeff ** 3 + s.targetBudget);
  return { budget, mask: step % s.deltaT === 0 };
}
