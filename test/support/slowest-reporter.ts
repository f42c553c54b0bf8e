/**
 * A vitest reporter, next to the default one (vitest.config.ts), that lists the slowest test files at
 * the end of a run, so the CI log shows where the suite's time goes as it grows (issue 20: npm test
 * stays under 12 minutes on 2 cores). A file's time is what vitest measured for it: importing it
 * (collect), its setup, and all its tests and hooks.
 */
import { relative } from "node:path";
import type { Reporter, TestModule, Vitest } from "vitest/node";

export interface FileTime {
  file: string;
  seconds: number;
}

/** "slowest test files:" and up to `count` lines, slowest first, seconds with one decimal. */
export function slowestFiles(files: readonly FileTime[], count = 10): string[] {
  const slowest = [...files].sort((a, b) => b.seconds - a.seconds).slice(0, count);
  if (slowest.length === 0) return [];
  const width = Math.max(...slowest.map(({ seconds }) => seconds.toFixed(1).length));
  return [
    "slowest test files:",
    ...slowest.map(({ file, seconds }) => `  ${seconds.toFixed(1).padStart(width)} s  ${file}`),
  ];
}

export function fileTime(module: TestModule, root: string): FileTime {
  const d = module.diagnostic();
  const ms =
    d.environmentSetupDuration + d.prepareDuration + d.collectDuration + d.setupDuration + d.duration;
  return { file: relative(root, module.moduleId), seconds: ms / 1000 };
}

export default class SlowestReporter implements Reporter {
  private vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const vitest = this.vitest;
    if (!vitest) return;
    const lines = slowestFiles(modules.map((module) => fileTime(module, vitest.config.root)));
    for (const line of lines) vitest.logger.log(line);
  }
}
