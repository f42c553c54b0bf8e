// Preloaded into each process the floor benchmark times (`node --import ./bench/cpu-time.mjs …`): at
// exit it appends the process's CPU time (user + system, all threads) in ms to $BENCH_CPU_FILE. On a
// busy machine wall time mostly measures the wait for a core; CPU time measures the work.
import { appendFileSync } from "node:fs";

const file = process.env.BENCH_CPU_FILE;
if (file) {
  process.on("exit", () => {
    const { user, system } = process.cpuUsage();
    appendFileSync(file, `${(user + system) / 1000}\n`);
  });
}
