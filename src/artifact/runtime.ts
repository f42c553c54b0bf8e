/**
 * Runtime the package is meant for, and the default of the Terraform module and of the example (a test
 * keeps them equal). nodejs22.x, not nodejs24.x: hashicorp/aws 5.x, which the module allows and this
 * project is tested with (5.100.0), rejects `nodejs24.x`; 6.20 and later accept it. nodejs22.x is
 * supported until 2027-04-30 (function updates blocked from 2027-07-01), so the default moves to
 * nodejs24.x with the module's move to provider 6.x, before then. A node22 bundle runs on nodejs24.x
 * too: setting the module's `runtime` to nodejs24.x needs no other package.
 * (In a module with no imports, so the CLI can name it at start-up without loading esbuild.)
 */
export const LAMBDA_RUNTIME = "nodejs22.x";
