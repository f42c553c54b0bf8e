// One all-at-once deploy through the package's library (dist/index.js), for bench/deploy-floor.bench.ts:
// the same deployFromInputs the CLI runs, with the roll-out ledger (in the artifact bucket, as the CLI
// has it) or, with --no-ledger, without one (ports without a ledger store: no lock, no record, and the
// warning that says so). Everything else is equal, so the requests differ by what the ledger makes.
//   node bench/library-deploy.mjs FUNCTION ZIP BUCKET [--no-ledger]
// Region, credentials and endpoint come from the environment (AWS_REGION, AWS_ENDPOINT_URL, ...).
import { createAwsPorts, deployFromInputs } from "../dist/index.js";

const [functionName, zip, bucket, flag] = process.argv.slice(2);
if (!functionName || !zip || !bucket)
  throw new Error("usage: library-deploy.mjs FUNCTION ZIP BUCKET [--no-ledger]");
const ledger = flag !== "--no-ledger";

const result = await deployFromInputs(
  { function: functionName, alias: "live", zip, bucket, strategy: "AllAtOnce" },
  {
    env: process.env,
    ports: (region) => {
      const ports = createAwsPorts({ ...(region ? { region } : {}), env: process.env });
      return ledger ? ports : { ...ports, ledgerStore: undefined };
    },
  },
);
if (result.exitCode !== 0) {
  process.stderr.write(`${result.outcome} (exit ${result.exitCode}): ${result.reason}\n`);
  process.exitCode = result.exitCode;
} else {
  process.stdout.write(
    `${result.outcome} v${result.toVersion}${result.ledger ? ` ${result.ledger.id}` : ""}\n`,
  );
}
