/**
 * The command-line tools, run from a clone with the function's own code: {@link io.kmstagenforcer.cli.Simulate}
 * ({@code scripts/simulate}, one key's tags through the enforcer, offline) and {@link io.kmstagenforcer.cli.Report}
 * ({@code scripts/report}, the sweep of one region in report mode, read-only, with the caller's credentials).
 */
package io.kmstagenforcer.cli;
