/** What the page exposes for tests once a run ends (numbers as plain arrays): `window.__peftResult`. */
export interface PageResult {
  state: 'ready' | 'training' | 'done' | 'error';
  /** `webgpu` or `cpu`. */
  backendName?: string;
  backend?: string;
  losses: number[];
  tokensPerSecond?: number;
  trainSeconds?: number;
  accuracyBefore?: number;
  accuracyAfter?: number;
  probe?: { inputIds: number[]; logits: number[] };
  /** The probe's logits with an adapter loaded from picked files. */
  loadedProbe?: { inputIds: number[]; logits: number[] };
  error?: string;
  /** What the browser's Hub cache holds after the run (files and bytes). */
  hubCache?: { files: number; bytes: number };
  /** Model files of the run: read from the browser cache, or downloaded. */
  modelFiles?: { file: string; cached: boolean }[];
}
