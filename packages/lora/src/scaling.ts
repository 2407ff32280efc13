/**
 * A LoRA adapter's output scaling: `lora_alpha / r`, or with rsLoRA (rank-stabilised LoRA)
 * `lora_alpha / √r`.
 *
 * @example
 * ```ts
 * loraScaling(16, 4, false); // 4
 * loraScaling(16, 4, true);  // 8
 * ```
 */
export function loraScaling(alpha: number, r: number, useRslora: boolean): number {
  return useRslora ? alpha / Math.sqrt(r) : alpha / r;
}
