/**
 * What the process edge (bin/lambda-rollout.js, the Action's entry) says when SIGINT or SIGTERM arrives.
 * It cannot know yet what the signal will do: a roll-out run by this process is rolled back, while a
 * Step Functions execution it follows carries on (only the following stops, see rollout/server-side.ts),
 * and the run's own lines then say which. So the line states both, and never "rolling back" alone.
 */
export function interruptionLine(signal: string, again = false): string {
  return again
    ? `${signal} again: still ending the run (a roll-out run by this process is restoring its alias), please wait.`
    : `${signal} received: stopping. A roll-out run by this process is rolled back; a Step Functions execution it follows carries on, and only the following stops.`;
}
