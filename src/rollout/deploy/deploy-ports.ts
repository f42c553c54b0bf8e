/**
 * What a one-function deploy acts through: the adapters (Lambda, S3, CloudWatch, Step Functions), the
 * clock, the event sink and the signal, the ledger, and the gates of a library user's own.
 */
import type { HealthGate } from "../../health/gate.js";
import type {
  AlarmPort,
  ArtifactStore,
  Clock,
  CredentialsPort,
  LambdaPort,
  MetricsPort,
  OwnedAlarmsPort,
  StepFunctionsPort,
} from "../../ports.js";
import type { EventSink } from "../events.js";
import type { LedgerAccess } from "../ledger/location.js";

/** What a deploy acts through. Behaviour lives here; the request is only data. */
export interface DeployPorts {
  lambda: LambdaPort;
  artifacts: ArtifactStore;
  alarms: AlarmPort;
  /** Needed when the request asks for metric analysis. */
  metrics?: MetricsPort | undefined;
  /** Needed when the request's engine is Step Functions. */
  stepFunctions?: StepFunctionsPort | undefined;
  /** Needed for metric analysis with Step Functions: the metric gate's own alarm. */
  ownedAlarms?: OwnedAlarmsPort | undefined;
  clock?: Clock | undefined;
  emit?: EventSink | undefined;
  signal?: AbortSignal | undefined;
  /** When present, the credentials must outlive the roll-out's worst case (or renew) before any write. */
  credentials?: CredentialsPort | undefined;
  /** Gates of your own, polled during bakes with the built-in ones (library users, tests). */
  gates?: HealthGate[] | undefined;
  /** Where hook commands run and the environment they get (default: the process's). */
  cwd?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /**
   * The ledger (ledger/): the roll-out's record, its lock on the alias, its history. Without it the
   * run takes no lock and leaves no record, and says so.
   */
  ledger?: LedgerAccess | undefined;
  /** Fixed roll-out id (tests); default: a new one from the clock. */
  rolloutId?: string | undefined;
}
