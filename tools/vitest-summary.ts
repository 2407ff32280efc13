/**
 * A vitest reporter that ends the run with one plain line, `<project>: N passed, N failed` (and
 * `, N skipped` when any were), so logs and CI read the outcome without parsing vitest's own summary.
 * Used next to the default reporter: `vitest run --reporter=default --reporter=../../tools/vitest-summary.ts`.
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const projects = new Set<string>();
    for (const m of modules) {
      projects.add(m.project.name || 'tests');
      if (m.state() === 'failed' && [...m.children.allTests()].length === 0) failed++; // a file that did not load
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
    }
    failed += errors.length;
    const label = [...projects].join(', ') || 'tests';
    console.log(`\n${label}: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  }
}
